"""`{{ session.starts_at|weekday_time }}`: "Thu Nov 19, 2:00 PM" in the clinic's time zone, what
`|date:"D M j, g:i A"` writes, for the rows of long lists. Django's filter parses the format and
looks each name up through translation on every call (a sixth of the overdue page's time for
its hundred rows); the pages are in English only (`LANGUAGE_CODE`), and Python's C-locale names
are the same words."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def weekday_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%a %b} {local.day}, {local.hour % 12 or 12}:{local:%M %p}"
