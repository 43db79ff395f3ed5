"""The weekly-hours chart, drawn in Python: the caseload's hours page draws a 12-bar chart for
every client, and a template per chart (a loop per bar, each bar's label built twice) was most of
that page's time. Its numbers are integers and its colours constants; only the labels are text,
escaped once each (`format_html` escaping every number was most of what remained)."""

from html import escape

from django import template
from django.utils.safestring import SafeString

from iop.hours import hours
from scheduling.selectors.compliance import HoursOverview

register = template.Library()


@register.simple_tag
def chart_bars(overview: HoursOverview) -> SafeString:
    """`{% chart_bars overview %}`: one <rect> a week, coloured by its status, titled with its
    hours."""
    labels = [escape(bar.label) for bar in overview.bars]
    return SafeString(_bars(overview, labels))  # nosec B703  # numbers, constants, escaped labels


def _bars(overview: HoursOverview, labels: list[str]) -> str:
    """The bars, with their labels already escaped."""
    return "\n".join(
        f'<rect x="{bar.x}" y="{bar.y}" width="14" height="{bar.height}" fill="{bar.fill}">'
        f"<title>{label}</title></rect>"
        for bar, label in zip(overview.bars, labels, strict=True)
    )


@register.simple_tag
def hours_chart(overview: HoursOverview, chart_height: int, axes: bool = False) -> SafeString:
    """`{% hours_chart overview 80 axes=True %}`: the last 12 weeks' hours as bars against the
    minimum (dashed), with a text alternative; `axes` adds the hours and week labels (a row's
    24-pixel sparkline has no room for them)."""
    width, height, minimum_y = overview.chart_width, overview.chart_height, overview.minimum_y
    title_id = f"chart-title-{int(overview.client.pk)}-{int(chart_height)}"
    labels = [escape(bar.label) for bar in overview.bars]
    minimum = escape(hours(overview.minimum_minutes))
    if axes:
        svg = (
            f'<svg viewBox="-26 -6 {width + 30} {height + 18}" width="100%" role="img"'
            f' aria-labelledby="{title_id}" class="hours-chart">'
        )
    else:
        svg = (
            f'<svg viewBox="0 0 {width} {height}" width="100%" height="{int(chart_height)}"'
            f' preserveAspectRatio="none" role="img" aria-labelledby="{title_id}">'
        )
    parts = [
        svg,
        f'<title id="{title_id}">Hours attended in each of the last 12 weeks, against the weekly'
        f" minimum of {minimum} hours</title>",
        f"<desc>{'; '.join(labels)}.</desc>",
    ]
    if axes:
        week_labels = "".join(
            f'<text x="{bar.x + 7}" y="{height + 10}" text-anchor="middle">'
            f"{escape(bar.axis_label)}</text>"
            for bar in overview.bars
            if bar.has_axis_label
        )
        parts += [
            f'<line x1="0" x2="{width}" y1="{height}" y2="{height}" stroke="#adb5bd"'
            ' stroke-width="1"></line>',
            '<g font-size="7" fill="#6c757d" aria-hidden="true">'
            f'<text x="-4" y="{height}" text-anchor="end" dominant-baseline="middle">0 h</text>'
            f'<text x="-4" y="{minimum_y}" text-anchor="end" dominant-baseline="middle"'
            f' fill="#dc3545">{minimum} h</text>{week_labels}</g>',
        ]
    parts += [
        _bars(overview, labels),
        f'<line x1="0" x2="{width}" y1="{minimum_y}" y2="{minimum_y}" stroke="#dc3545"'
        ' stroke-width="1" stroke-dasharray="4 3"></line></svg>',
    ]
    return SafeString("\n".join(parts))  # nosec B703  # numbers, constants, escaped labels
