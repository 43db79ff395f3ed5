from django import template

from groups.forms import WEEKDAYS

register = template.Library()
NAMES = dict(WEEKDAYS)


@register.filter
def weekday_names(weekdays: list[int]) -> str:
    """[0, 2, 3] -> "Mon, Wed, Thu"."""
    return ", ".join(NAMES[day] for day in sorted(weekdays))
