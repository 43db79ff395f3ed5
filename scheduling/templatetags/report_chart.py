"""`{% report_chart chart %}`: a report's horizontal bar chart as server-drawn SVG, with labelled
rows, a value at the end of each bar, a scaled axis with gridlines and its unit, and a legend when
bars come in series. The report's table beneath it is its text alternative."""

import math

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from scheduling.selectors.reports import Chart

register = template.Library()

WIDTH = 740
LABEL_WIDTH = 220  # row labels, right-aligned against the plot
PLOT_WIDTH = 440
BAR_HEIGHT = 16
ROW_GAP = 8
TOP = 28  # room for the legend
AXIS_HEIGHT = 44  # tick labels and the unit
FILLS = ["#0d6efd", "#fd7e14"]  # blue, then orange (the second series)


def _axis_end(maximum: float) -> float:
    """A round number at or above `maximum` whose quarters are whole and round too (4, 8, 20,
    40, 200...), so the ticks of a count never read 0.5 clients."""
    quarter = max(maximum, 1) / 4
    power = 10 ** math.floor(math.log10(quarter))
    step = next(s * power for s in (1, 2, 3, 4, 5, 6, 8, 10) if s * power >= quarter)
    return 4 * max(step, 1)


def _shortened(label: str, most: int = 34) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}"


@register.simple_tag
def report_chart(chart: Chart, chart_id: str) -> SafeString:
    series = max(len(chart.series), 1)
    labels = list(dict.fromkeys(bar.label for bar in chart.bars))
    row_height = series * BAR_HEIGHT + ROW_GAP
    plot_height = len(labels) * row_height
    height = TOP + plot_height + AXIS_HEIGHT
    end = chart.maximum or _axis_end(max((bar.value for bar in chart.bars), default=0))
    x0 = LABEL_WIDTH + 6

    def x(value: float) -> float:
        return x0 + round(PLOT_WIDTH * min(value, end) / end, 1)

    parts = []
    for tick in range(5):
        value = end * tick / 4
        parts.append(
            format_html(
                '<line x1="{x}" x2="{x}" y1="{top}" y2="{bottom}" stroke="#dee2e6"></line>'
                '<text x="{x}" y="{label_y}" text-anchor="middle" font-size="12">{text}</text>',
                x=x(value),
                top=TOP,
                bottom=TOP + plot_height,
                label_y=TOP + plot_height + 14,
                text=_number(value),
            )
        )
    row_of = {label: index for index, label in enumerate(labels)}
    for bar in chart.bars:
        y = TOP + row_of[bar.label] * row_height + bar.series * BAR_HEIGHT + ROW_GAP / 2
        name = f"{chart.series[bar.series]}, " if chart.series else ""
        parts.append(
            format_html(
                '<rect x="{x0}" y="{y}" width="{w}" height="{h}" fill="{fill}">'
                "<title>{label}: {name}{text}</title></rect>"
                '<text x="{tx}" y="{ty}" font-size="12">{text}</text>',
                x0=x0,
                y=y,
                w=x(bar.value) - x0,
                h=BAR_HEIGHT - 2,
                fill=FILLS[bar.series % len(FILLS)],
                label=bar.label,
                name=name,
                text=bar.text,
                tx=x(bar.value) + 4,
                ty=y + BAR_HEIGHT - 4,
            )
        )
    parts.append(
        format_html_join(
            "",
            '<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>',
            (
                (LABEL_WIDTH, TOP + index * row_height + row_height / 2 + 4, _shortened(label))
                for index, label in enumerate(labels)
            ),
        )
    )
    parts.append(
        format_html(
            '<line x1="{x0}" x2="{x0}" y1="{top}" y2="{bottom}" stroke="#212529"></line>'
            '<text x="{mid}" y="{unit_y}" text-anchor="middle" font-size="12">{unit}</text>',
            x0=x0,
            top=TOP,
            bottom=TOP + plot_height,
            mid=x0 + PLOT_WIDTH / 2,
            unit_y=TOP + plot_height + 34,
            unit=chart.unit,
        )
    )
    for index, name in enumerate(chart.series):
        parts.append(
            format_html(
                '<rect x="{x}" y="8" width="12" height="12" fill="{fill}"></rect>'
                '<text x="{tx}" y="18" font-size="12">{name}</text>',
                x=x0 + index * 120,
                fill=FILLS[index % len(FILLS)],
                tx=x0 + index * 120 + 16,
                name=name,
            )
        )
    return format_html(
        '<svg viewBox="0 0 {w} {h}" width="100%" style="max-width: {max_width}px" role="img" '
        'aria-labelledby="{id}-title {id}-desc" class="d-block mb-3">'
        '<title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">The table below the chart gives the same figures.</desc>{body}</svg>',
        w=WIDTH,
        h=height,
        max_width=round(WIDTH * 1.2),
        id=chart_id,
        title=chart.title,
        body=format_html_join("", "{}", ((part,) for part in parts)),  # each part is escaped
    )
