"""A scale's scores over an episode, laid out for a server-rendered SVG line chart: the severity
bands behind, the admission baseline dashed, each score a point, response and remission marked.
Pure layout from submitted check-ins; the selector `measure_trend_list` feeds it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from . import measures
from .models import CheckIn, Instrument

WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 30, 130, 8, 22  # the right margin holds the band names
# Band fills from the best band to the worst (pale green to pale red).
BAND_FILLS = ["#d1e7dd", "#e9f3d6", "#fff3cd", "#ffe0c2", "#f8d7da"]
RESPONSE_RATIO = 0.5  # response: the score at most half the baseline


@dataclass(frozen=True)
class TrendPoint:
    day: date
    score: int
    band: str
    check_in_pk: int
    on_paper: bool
    x: float
    y: float
    mark: str  # "response", "remission" or "" (the first point to reach each)


@dataclass(frozen=True)
class BandRect:
    y: float
    height: float
    label_y: float
    label: str
    fill: str


@dataclass(frozen=True)
class MeasureTrend:
    instrument: Instrument
    scale: measures.Scale
    points: list[TrendPoint]
    bands: list[BandRect]
    baseline: TrendPoint
    latest: TrendPoint
    response: bool | None  # None where it does not apply (a protective scale, a baseline of 0)
    remission: bool | None  # None where the scale has no remission threshold
    start_label: str
    end_label: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    axis_y: int = HEIGHT - BOTTOM

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.left

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def change(self) -> int:
        return self.latest.score - self.baseline.score

    @property
    def dom_id(self) -> str:
        return f"trend-{self.instrument.code}-{self.scale.key}"


def _fills(count: int, higher_is_worse: bool) -> list[str]:
    ladder = [
        BAND_FILLS[round(i * (len(BAND_FILLS) - 1) / max(count - 1, 1))] for i in range(count)
    ]
    return ladder if higher_is_worse else ladder[::-1]


def _responded(scale: measures.Scale, baseline: int, score: int) -> bool:
    return scale.higher_is_worse and baseline > 0 and score <= baseline * RESPONSE_RATIO


def _remitted(scale: measures.Scale, score: int) -> bool:
    return scale.remission_below is not None and score < scale.remission_below


def measure_trends(
    *, instrument: Instrument, check_ins: Sequence[CheckIn], start: date | None, end: date
) -> list[MeasureTrend]:
    """One trend per scale of the instrument (as its latest version scores it), from the
    submitted `check_ins` in date order; the x axis runs from the admission day to today."""
    if not check_ins:
        return []
    # Submitted check-ins always have their completion day.
    first_day = start or cast(date, check_ins[0].completed_on)
    span = max((end - first_day).days, 1)
    plot_height = HEIGHT - TOP - BOTTOM
    trends = []
    for scale in measures.scales(check_ins[-1].version.definition):
        scored = [c for c in check_ins if c.scores and scale.key in c.scores]
        if not scored:
            continue

        def y_of(score: float, scale: measures.Scale = scale) -> float:
            return TOP + plot_height * (1 - score / scale.maximum)

        baseline_score = scored[0].scores[scale.key]  # type: ignore[index]
        points: list[TrendPoint] = []
        marked: set[str] = set()
        for check_in in scored:
            score = check_in.scores[scale.key]  # type: ignore[index]
            day = cast(date, check_in.completed_on)
            mark = ""
            for name, reached in (
                ("remission", _remitted(scale, score)),
                ("response", points and _responded(scale, baseline_score, score)),
            ):
                if reached and name not in marked and not mark:
                    mark = name
                    marked.add(name)
            points.append(
                TrendPoint(
                    day=day,
                    score=score,
                    band=scale.band(score).label,
                    check_in_pk=check_in.pk,
                    on_paper=check_in.on_paper,
                    x=LEFT + (WIDTH - RIGHT - LEFT) * max((day - first_day).days, 0) / span,
                    y=y_of(score),
                    mark=mark,
                )
            )
        fills = _fills(len(scale.bands), scale.higher_is_worse)
        bands = []
        for band, fill in zip(scale.bands, fills, strict=True):
            # A band covers its scores up to the next band's first one (the last up to the top).
            top, bottom = y_of(min(band.high + 1, scale.maximum)), y_of(band.low)
            bands.append(BandRect(top, bottom - top, (top + bottom) / 2 + 4, band.label, fill))
        latest = points[-1]
        trends.append(
            MeasureTrend(
                instrument=instrument,
                scale=scale,
                points=points,
                bands=bands,
                baseline=points[0],
                latest=latest,
                response=(
                    _responded(scale, baseline_score, latest.score)
                    if scale.higher_is_worse and baseline_score > 0
                    else None
                ),
                remission=(
                    _remitted(scale, latest.score) if scale.remission_below is not None else None
                ),
                start_label=f"{first_day:%b %-d}",
                end_label=f"{end:%b %-d}",
            )
        )
    return trends
