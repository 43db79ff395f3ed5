"""Clinic time: the clinic's days and weeks. The clinic's zone is `TIME_ZONE`; a week runs Monday
00:00 to the next Monday 00:00 there. Every app reads dates and weeks through these helpers, so a
DST change (a 23- or 25-hour day, a 167- or 169-hour week) is handled in one place."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def today() -> date:
    """Today's date in the clinic's zone."""
    return timezone.localdate()


def local_datetime(day: date, at: time) -> datetime:
    """`day` at wall-clock time `at` in the clinic's zone (aware; stored as UTC). A weekly 6 pm
    session is 6 pm local on every date, whatever the UTC offset that day."""
    return timezone.make_aware(datetime.combine(day, at))


def local_midnight(day: date) -> datetime:
    return local_datetime(day, time.min)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight of `day` in the clinic's zone (23 or 25 hours on a DST change)."""
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def week_start_of(day: date) -> date:
    """The Monday of `day`'s clinic week."""
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in the clinic's zone, as aware datetimes."""
    return local_midnight(week_start), local_midnight(week_start + timedelta(days=7))
