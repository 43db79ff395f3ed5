"""The demo clinic closes on US federal holidays, and for a staff training day next month: real
clinic closures (`scheduling.services.closures`), entered by the demo's admin before the calendar
is filled in, so the materializer puts the sessions of those days on the calendar already
cancelled, the weeks that hold them are prorated, and no individual session is booked on them.
Holidays are closed from the first week of the demo's history to CLOSED_AHEAD_WEEKS ahead."""

from datetime import date, timedelta

from django.utils import timezone

from iop.models import User
from scheduling.models import ClinicClosure
from scheduling.selectors.closures import closure_overlapping
from scheduling.services.closures import clinic_closure_create

CLOSED_AHEAD_WEEKS = 12
MONDAY, WEDNESDAY, THURSDAY = 0, 2, 3
TRAINING_LABEL = "Staff training day"


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


def training_day(today: date) -> date:
    """The first Wednesday of next month that is not a holiday: the staff training day."""
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    day = _nth_weekday(first_of_next_month.year, first_of_next_month.month, WEDNESDAY, 1)
    while clinic_closed(day):
        day += timedelta(days=7)
    return day


def seed_closures(*, admin: User, first: date) -> list[ClinicClosure]:
    """Close the clinic on each federal holiday from `first` to CLOSED_AHEAD_WEEKS ahead and on
    next month's training day (idempotent: a day already closed is left as it is)."""
    today = timezone.localdate()
    last = today + timedelta(weeks=CLOSED_AHEAD_WEEKS)
    days = {day: us_federal_holidays(day.year)[day] for day in holidays_between(first, last)}
    days[training_day(today)] = TRAINING_LABEL
    closures = []
    for day, label in sorted(days.items()):
        if not closure_overlapping(first_day=day, last_day=day).exists():
            closures.append(
                clinic_closure_create(first_day=day, last_day=day, label=label, actor=admin)
            )
    return closures


def clinic_day_on_or_before(day: date) -> date:
    """The last weekday on or before `day` the clinic is open."""
    while day.weekday() >= 5 or clinic_closed(day):
        day -= timedelta(days=1)
    return day
