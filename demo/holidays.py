"""The demo clinic closes on US federal holidays: no group or individual session runs on one.

The product has no closure calendar, so the demo cancels what falls on a holiday through the
session-cancel service: the past weeks and the four materialized weeks ahead, and, up to
CLOSED_AHEAD_WEEKS ahead, the group occurrences the beat's daily materializer would add later (a
cancelled occurrence is kept by the materializer, never inserted again). Holidays further ahead
than that are scheduled as usual."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from groups.models import Group
from iop.clock import local_midnight
from scheduling.models import Session
from scheduling.services.sessions import group_occurrences, session_cancel

HOLIDAY_REASON = "Clinic closed (holiday)"
CLOSED_AHEAD_WEEKS = 12
MONDAY, THURSDAY = 0, 3


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The `nth` (1-based; -1 for the last) `weekday` of the month."""
    if nth < 0:
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def us_federal_holidays(year: int) -> dict[date, str]:
    """The federal holidays of `year` (5 U.S.C. 6103) and the weekdays they are observed on: one on
    a Saturday is observed the Friday before, one on a Sunday the Monday after."""
    holidays = {
        date(year, 1, 1): "New Year's Day",
        _nth_weekday(year, 1, MONDAY, 3): "Birthday of Martin Luther King, Jr.",
        _nth_weekday(year, 2, MONDAY, 3): "Washington's Birthday",
        _nth_weekday(year, 5, MONDAY, -1): "Memorial Day",
        date(year, 6, 19): "Juneteenth National Independence Day",
        date(year, 7, 4): "Independence Day",
        _nth_weekday(year, 9, MONDAY, 1): "Labor Day",
        _nth_weekday(year, 10, MONDAY, 2): "Columbus Day",
        date(year, 11, 11): "Veterans Day",
        _nth_weekday(year, 11, THURSDAY, 4): "Thanksgiving Day",
        date(year, 12, 25): "Christmas Day",
    }
    observed = {}
    for day, name in holidays.items():
        if day.weekday() == 5:
            observed[day - timedelta(days=1)] = f"{name} (observed)"
        elif day.weekday() == 6:
            observed[day + timedelta(days=1)] = f"{name} (observed)"
    return {**holidays, **observed}


def clinic_closed(day: date) -> bool:
    return day in us_federal_holidays(day.year)


def holidays_between(first: date, last: date) -> list[date]:
    return sorted(
        day
        for year in range(first.year, last.year + 1)
        for day in us_federal_holidays(year)
        if first <= day <= last
    )


def holiday_sessions_cancel(*, first: date, last: date) -> int:
    """Cancel every session still scheduled on a holiday from `first` to `last` (none of them has
    attendance yet: the demo cancels before it documents). Returns how many."""
    cancelled = 0
    for day in holidays_between(first, last):
        on_holiday = Session.objects.filter(
            status=Session.Status.SCHEDULED,
            starts_at__gte=local_midnight(day),
            starts_at__lt=local_midnight(day + timedelta(days=1)),
        )
        for session in on_holiday:
            session_cancel(session=session, reason=HOLIDAY_REASON)
            cancelled += 1
    return cancelled


def holiday_occurrences_close_ahead(*, after: date, now: datetime | None = None) -> int:
    """Put each group's occurrences on the holidays after `after` (the last materialized day) and
    within CLOSED_AHEAD_WEEKS on the calendar as cancelled, so the beat's materializer, reaching
    them later, finds them and keeps them cancelled. Returns how many were added."""
    today = timezone.localdate(now)
    last = today + timedelta(weeks=CLOSED_AHEAD_WEEKS)
    added = 0
    for day in holidays_between(after + timedelta(days=1), last):
        meeting = Group.objects.filter(weekdays__contains=[day.weekday()])
        for group in meeting.prefetch_related("facilitators"):
            # The row the materializer will want that day, put there ahead of it.
            for session in group_occurrences(group, today=day)[:1]:
                if (
                    timezone.localdate(session.starts_at) != day
                    or group.sessions.filter(starts_at=session.starts_at).exists()
                ):
                    continue
                session.full_clean()
                session.save()
                session_cancel(session=session, reason=HOLIDAY_REASON)
                added += 1
    return added


def clinic_day_on_or_before(day: date) -> date:
    """The last weekday on or before `day` the clinic is open."""
    while day.weekday() >= 5 or clinic_closed(day):
        day -= timedelta(days=1)
    return day
