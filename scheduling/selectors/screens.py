"""The chart's drug screens beside attendance: the hours chart's twelve weeks, each with the
screens collected in it. Screens are the clients app's and hours this app's, so they meet here."""

from dataclasses import dataclass

from clients.models import Client, DrugScreen, ScreenResult
from clients.selectors import drug_screen_list

from .compliance import CHART_WEEKS, ChartBar, HoursOverview

# A screen's mark takes the colour of its outcome (DrugScreen.outcome).
MARK_FILLS = {
    ScreenResult.POSITIVE: "#dc3545",
    ScreenResult.INVALID: "#6c757d",
    ScreenResult.EXPECTED: "#0d6efd",
    ScreenResult.NEGATIVE: "#ffffff",
}
MARKS_TOP = 6  # the centre of a week's first mark; the bars start below the marks
MARK_STEP = 10
BARS_TOP = 32
WEEK_LABELS_HEIGHT = 10  # the Mondays under the bars
MARKS_PER_WEEK = 3  # more in one week are in the list under the chart


@dataclass(frozen=True)
class ScreenMark:
    screen: DrugScreen
    x: int
    y: int

    @property
    def fill(self) -> str:
        return MARK_FILLS[ScreenResult(self.screen.outcome)]

    @property
    def is_unexpected(self) -> bool:
        return self.screen.outcome == ScreenResult.POSITIVE

    @property
    def label(self) -> str:
        observed = "observed" if self.screen.observed else "unobserved"
        return f"{self.screen.collected_on:%b %-d} ({observed}): {self.screen.summary}"


@dataclass(frozen=True)
class ScreenWeek:
    bar: ChartBar
    marks: list[ScreenMark]


@dataclass(frozen=True)
class ScreenTimeline:
    """Twelve weeks of hours bars with the week's screens marked above them, and every screen
    of those weeks (voided ones too) for the list under the chart."""

    weeks: list[ScreenWeek]
    screens: list[DrugScreen]
    bars_top: int = BARS_TOP
    width: int = CHART_WEEKS * 20
    height: int = BARS_TOP + HoursOverview.chart_height + WEEK_LABELS_HEIGHT


def screen_timeline_get(*, client: Client, overview: HoursOverview) -> ScreenTimeline:
    """The client's screens in the weeks of `overview` (hours_overview_get), in two queries."""
    first_week = overview.bars[0].week_start
    screens = list(drug_screen_list(client=client, since=first_week))
    weeks = []
    for bar in overview.bars:
        in_week = sorted(
            (
                screen
                for screen in screens
                if not screen.is_voided and (screen.collected_on - bar.week_start).days in range(7)
            ),
            key=lambda screen: (screen.collected_on, screen.pk),
        )
        marks = [
            ScreenMark(screen=screen, x=bar.x + 7, y=MARKS_TOP + index * MARK_STEP)
            for index, screen in enumerate(in_week[:MARKS_PER_WEEK])
        ]
        weeks.append(ScreenWeek(bar=bar, marks=marks))
    return ScreenTimeline(weeks=weeks, screens=screens)
