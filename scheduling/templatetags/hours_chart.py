"""The weekly-hours chart's bars, drawn in Python: Today draws a 12-bar chart for every client of a
caseload, and a template loop per bar was most of the page's time."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from scheduling.selectors.compliance import HoursOverview

register = template.Library()


@register.simple_tag
def chart_bars(overview: HoursOverview) -> SafeString:
    """`{% chart_bars overview %}`: one <rect> a week, coloured by its status, titled with its
    hours."""
    return format_html_join(
        "\n",
        '<rect x="{}" y="{}" width="14" height="{}" fill="{}"><title>{}</title></rect>',
        ((bar.x, bar.y, bar.height, bar.fill, bar.label) for bar in overview.bars),
    )
