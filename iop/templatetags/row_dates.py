"""Dates as the rows of long lists write them, in the clinic's time zone: what Django's `date`
filter writes with the format each names. The filter parses the format and looks each name up
through translation on every call (a sixth of the overdue page's time for its hundred rows); the
pages are in English only (`LANGUAGE_CODE`), and Python's C-locale names are the same words."""

from datetime import date, datetime, time

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def weekday_time(value: datetime | None) -> str:
    """`{{ session.starts_at|weekday_time }}`: "Thu Nov 19, 2:00 PM" (`|date:"D M j, g:i A"`)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%a} {month_day_time(local)}"


def month_day_time(value: datetime) -> str:
    """ "Nov 19, 2:00 PM" (`|date:"M j, g:i A"`)."""
    local = timezone.localtime(value)
    return f"{local:%b} {local.day}, {clock_time(local)}"


def clock_time(value: datetime | time) -> str:
    """ "2:00 PM" (`|time:"g:i A"`, of a time or a datetime as it is, in its own zone)."""
    return f"{value.hour % 12 or 12}:{value:%M %p}"


def month_day_year(value: date) -> str:
    """ "Nov 19, 2026" (`|date:"M j, Y"`)."""
    return f"{value:%b} {value.day}, {value.year}"
