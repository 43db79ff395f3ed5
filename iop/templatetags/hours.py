from django import template

from iop import hours as hours_format

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    """`{{ row.attended_minutes|hours }}`: see iop.hours."""
    return hours_format.hours(minutes)
