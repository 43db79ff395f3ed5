"""What a date may be: the one rule every app's forms, services and database follow.

- A date of birth gives an age between MIN_AGE (5) and MAX_AGE (110) today.
- A clinic date (admission, discharge, consents, groups, enrollments, sessions, levels of care,
  plan dates, intake authorizations) lies between 1 January of `settings.CLINIC_FIRST_YEAR` (the
  year the clinic's records start, default 2000) and MONTHS_AHEAD (18) months from today. Dates
  that cannot be in the future (a discharge, a signature) are refused by their services as before.
- A date in the client's history (last use of a substance) lies between the earliest plausible
  birth and today.

Model fields carry the validators below, so a ModelForm and every service's `full_clean` refuse
an implausible date with a field error naming the allowed range; plain forms use the same
validators. The database backs the rule with CHECKs on static bounds, wider than the rule (a
CHECK cannot call now()): DB_FLOOR to DB_CEILING, and DB_BIRTH_FLOOR for dates of birth.

`NO_NUL` is the validator every text field uses: Postgres cannot store NUL in text."""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from .clock import today

NO_NUL = [ProhibitNullCharactersValidator()]

MIN_AGE, MAX_AGE = 5, 110
MONTHS_AHEAD = 18
DB_FLOOR = date(1990, 1, 1)
DB_CEILING = date(2200, 1, 1)
DB_BIRTH_FLOOR = date(1900, 1, 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _months_after(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    first = date(day.year + year, month + 1, 1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first.replace(day=min(day.day, (following - timedelta(days=1)).day))


def clinic_date_bounds() -> tuple[date, date]:
    """The first and last clinic date allowed today."""
    return date(settings.CLINIC_FIRST_YEAR, 1, 1), _months_after(today(), MONTHS_AHEAD)


def birth_date_bounds() -> tuple[date, date]:
    """The earliest and latest date of birth allowed today (ages MAX_AGE down to MIN_AGE)."""
    now = today()
    return _years_before(now, MAX_AGE + 1) + timedelta(days=1), _years_before(now, MIN_AGE)


def _between(first: date, last: date) -> str:
    return f"{date_format(first)} and {date_format(last)}"


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def validate_clinic_date(value: date | datetime) -> None:
    """A clinic date or moment (a session's start): within clinic_date_bounds()."""
    first, last = clinic_date_bounds()
    if not first <= _as_date(value) <= last:
        raise ValidationError(f"Enter a date between {_between(first, last)}.", code="date_range")


def validate_birth_date(value: date) -> None:
    first, last = birth_date_bounds()
    if not first <= value <= last:
        raise ValidationError(
            f"Enter a date of birth between {_between(first, last)} "
            f"(an age of {MIN_AGE} to {MAX_AGE}).",
            code="date_range",
        )


def validate_history_date(value: date) -> None:
    """A day in the client's past: from the earliest plausible birth to today."""
    first, last = birth_date_bounds()[0], today()
    if not first <= value <= last:
        raise ValidationError(f"Enter a date between {_between(first, last)}.", code="date_range")


def check_dates(**fields: date | datetime | None) -> None:
    """Refuse implausible clinic dates given to a service, each error on its field: for a service
    that computes with the dates before its model's `full_clean` would see them."""
    errors = {}
    for field, value in fields.items():
        if value is not None:
            try:
                validate_clinic_date(value)
            except ValidationError as error:
                errors[field] = error.messages
    if errors:
        raise ValidationError(errors)


def plausible_dates(
    name: str, *fields: str, moments: tuple[str, ...] = (), births: tuple[str, ...] = ()
) -> models.CheckConstraint:
    """One CHECK on a model's date fields (`moments` are datetime fields, `births` dates of
    birth), with the static bounds of the rule. A NULL passes, as the field allows it."""
    floor, ceiling = (
        datetime.combine(DB_FLOOR, datetime.min.time(), UTC),
        datetime.combine(DB_CEILING, datetime.min.time(), UTC),
    )
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__gte": DB_FLOOR, f"{field}__lt": DB_CEILING})
    for field in moments:
        condition &= Q(**{f"{field}__gte": floor, f"{field}__lt": ceiling})
    for field in births:
        condition &= Q(**{f"{field}__gte": DB_BIRTH_FLOOR, f"{field}__lt": DB_CEILING})
    return models.CheckConstraint(
        condition=condition,
        name=name,
        violation_error_message=f"Enter dates between {DB_FLOOR:%-d %b %Y} and {DB_CEILING:%-d %b %Y}.",
    )
