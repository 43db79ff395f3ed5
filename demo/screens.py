"""The demo's urine drug screens: one observed 12-panel cup a week on the clinic's screening day,
from the admission week while the client is in the program. Clients on buprenorphine test
positive for it, as expected; the struggling client (demo.story) tested positive for cocaine last
week, and the alert it raised waits for their clinician's follow-up. Idempotent: a client who has
screens keeps them."""

from datetime import date, time, timedelta

from django.utils import timezone

from clients.models import PANEL_SUBSTANCES, Client, ClinicalAlert, Panel, ScreenResult, Substance
from clients.selectors import clinical_alert_list, substances_prescribed
from clients.services.drug_screens import drug_screen_record
from iop.clock import local_datetime, week_start_of
from scheduling.selectors.compliance import CHART_WEEKS

from .holidays import clinic_closed
from .story import Attendance, Story, in_program, story_of

SCREENING_WEEKDAY = 2  # Wednesday; Thursday when the clinic is closed
# The struggling client's lapse: cocaine, on last week's screen.
LAPSE_WEEKS_AGO = 1
LAPSE = Substance.COCAINE


def _screening_day(monday: date) -> date:
    day = monday + timedelta(days=SCREENING_WEEKDAY)
    return day + timedelta(days=1) if clinic_closed(day) else day


def _results(client: Client, story: Story, monday: date, today: date) -> dict[str, str]:
    results: dict[str, str] = dict.fromkeys(PANEL_SUBSTANCES[Panel.TWELVE], ScreenResult.NEGATIVE)
    for substance in substances_prescribed(client=client) & set(results):
        results[substance] = ScreenResult.EXPECTED
    lapsed = week_start_of(today) - timedelta(weeks=LAPSE_WEEKS_AGO)
    if story.attendance == Attendance.STRUGGLING and monday == lapsed:
        results[LAPSE] = ScreenResult.POSITIVE
    return results


def seed_drug_screens(clients: list[Client]) -> None:
    today = timezone.localdate()
    this_week = week_start_of(today)
    for client in clients:
        story = story_of(client)
        if story is None or client.admission_date is None or client.drug_screens.exists():
            continue
        for weeks_ago in range(CHART_WEEKS - 1, -1, -1):
            monday = this_week - timedelta(weeks=weeks_ago)
            day = _screening_day(monday)
            if day > today or day < client.admission_date or not in_program(story, day, today):
                continue
            screen = drug_screen_record(
                client=client,
                actor=client.primary_clinician,
                collected_on=day,
                observed=True,
                panel=Panel.TWELVE,
                results=_results(client, story, monday, today),
            )
            # The alert was raised the afternoon the result came in, not when the demo was seeded.
            clinical_alert_list(source=screen).filter(
                kind=ClinicalAlert.Kind.UNEXPECTED_POSITIVE_SCREEN
            ).update(opened_at=local_datetime(day, time(15, 0)))
