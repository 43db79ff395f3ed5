"""Lists of clinic days in words, drawn in Python: the review card lists every attended day of 25
clients, and the `date` filter per day was most of its rendering time."""

from collections.abc import Iterable
from datetime import date

from django import template

register = template.Library()


@register.filter
def day_list(days: Iterable[date]) -> str:
    """`{{ days|day_list }}`: "Mon Nov 3, Tue Nov 4" (as `date:"D M j"`, English like the rest of
    the clinic's dates)."""
    return ", ".join(f"{day:%a %b %-d}" for day in days)
