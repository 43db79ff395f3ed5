"""Reads of clinic closures: which days are closed, the closure calendar, and what a closure
would cancel."""

from calendar import Calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from iop.clock import local_midnight, week_start_of
from iop.dates import clinic_date_bounds
from scheduling.models import ClinicClosure, Session, SessionClient, SessionLog, SessionSeries

from .compliance import ClientWeek


def closure_in_force_list() -> QuerySet[ClinicClosure]:
    """Closures not withdrawn, first day first."""
    return ClinicClosure.objects.filter(withdrawn_at__isnull=True).order_by("first_day")


def closure_overlapping(*, first_day: date, last_day: date) -> QuerySet[ClinicClosure]:
    """Closures in force with a day from `first_day` to `last_day`."""
    return closure_in_force_list().filter(first_day__lte=last_day, last_day__gte=first_day)


def closure_by_day(*, first_day: date, last_day: date) -> dict[date, ClinicClosure]:
    """Each closed day from `first_day` to `last_day`, with its closure. One query."""
    closed = {}
    for closure in closure_overlapping(first_day=first_day, last_day=last_day):
        day = max(closure.first_day, first_day)
        while day <= min(closure.last_day, last_day):
            closed[day] = closure
            day += timedelta(days=1)
    return closed


def closure_series_dates(*, series: SessionSeries) -> dict[date, ClinicClosure]:
    """The dates of `series` the clinic is closed, with the closure: those it skips. One query."""
    closed = closure_by_day(first_day=series.first_date, last_day=series.until)
    return {day: closed[day] for day in series.dates() if day in closed}


def closure_on(*, day: date) -> ClinicClosure | None:
    """The closure in force on `day`, if the clinic is closed then."""
    return closure_overlapping(first_day=day, last_day=day).first()


def closure_session_list(*, first_day: date, last_day: date) -> QuerySet[Session]:
    """The sessions starting on local dates `first_day` to `last_day` (what a closure touches)."""
    return Session.objects.filter(
        starts_at__gte=local_midnight(first_day),
        starts_at__lt=local_midnight(last_day + timedelta(days=1)),
    )


def closure_documented_session_list(*, first_day: date, last_day: date) -> QuerySet[Session]:
    """Sessions on those days that somebody documented (attendance or a group summary): held, so
    a closure may not cancel them."""
    return (
        closure_session_list(first_day=first_day, last_day=last_day)
        .filter(
            Q(attendance_taken=True) | Q(Exists(SessionLog.objects.filter(session=OuterRef("pk"))))
        )
        .select_related("group", "client")
    )


def closure_client_weeks(*, first_day: date, last_day: date) -> set[ClientWeek]:
    """The weeks holding these days of every client in the program then, up to the current week
    (later weeks get their rows when they begin): whose requirement a closure prorates. One query
    per week, and a closure spans at most five weeks."""
    current_week = week_start_of(timezone.localdate())
    weeks = set()
    week = week_start_of(first_day)
    while week <= min(week_start_of(last_day), current_week):
        in_program = Client.objects.filter(
            status__in=[Client.Status.ACTIVE, Client.Status.DISCHARGED],
            admission_date__lte=week + timedelta(days=6),
        ).exclude(discharge_date__lt=week)
        weeks |= {(client_id, week) for client_id in in_program.values_list("pk", flat=True)}
        week += timedelta(weeks=1)
    return weeks


@dataclass(frozen=True)
class CalendarDay:
    """A day of the closure calendar's month grid; `closure` is the one in force that day."""

    day: date
    in_month: bool
    is_today: bool
    closure: ClinicClosure | None

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


@dataclass(frozen=True)
class CalendarMonth:
    """A month as the clinic's weeks, Monday to Sunday (days of the months around it included)."""

    first: date
    weeks: list[list[CalendarDay]]

    @property
    def closed_days(self) -> list[CalendarDay]:
        return [day for week in self.weeks for day in week if day.in_month and day.closure]


@dataclass(frozen=True)
class ClosureCalendar:
    """The closure page: CALENDAR_MONTHS month grids from `months[0]` (with the first month of the
    pages before and after, None outside the clinic's dates), closures ahead, recent ones, and
    recently withdrawn ones, each with the sessions it cancelled (and how many clients were on
    them)."""

    months: list[CalendarMonth]
    previous_month: date | None
    next_month: date | None
    upcoming: list[ClinicClosure]
    past: list[ClinicClosure]
    withdrawn: list[ClinicClosure]

    @property
    def previous_last(self) -> date | None:
        """The last month of the page before (its first is `previous_month`)."""
        return (
            _month_shift(self.previous_month, CALENDAR_MONTHS - 1) if self.previous_month else None
        )

    @property
    def next_last(self) -> date | None:
        """The last month of the page after (its first is `next_month`)."""
        return _month_shift(self.next_month, CALENDAR_MONTHS - 1) if self.next_month else None

    @property
    def listed(self) -> set[int]:
        """The closures the page describes below the grid (a grid day links to its entry)."""
        return {closure.pk for closure in self.upcoming + self.past}


CALENDAR_PAST_DAYS = 90
CALENDAR_MONTHS = 3


def _month_shift(first: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `first`."""
    year, month = divmod(first.year * 12 + first.month - 1 + months, 12)
    return date(year, month + 1, 1)


def _calendar_months(first_month: date, today: date) -> list[CalendarMonth]:
    """CALENDAR_MONTHS months from `first_month`, each day with its closure. One query."""
    weeks_of = Calendar(firstweekday=0).monthdatescalendar
    firsts = [_month_shift(first_month, n) for n in range(CALENDAR_MONTHS)]
    grids = [weeks_of(first.year, first.month) for first in firsts]
    closed = closure_by_day(first_day=grids[0][0][0], last_day=grids[-1][-1][-1])
    return [
        CalendarMonth(
            first=first,
            weeks=[
                [
                    CalendarDay(
                        day=day,
                        in_month=day.month == first.month,
                        is_today=day == today,
                        closure=closed.get(day),
                    )
                    for day in week
                ]
                for week in grid
            ],
        )
        for first, grid in zip(firsts, grids, strict=True)
    ]


def closure_calendar_get(
    *, today: date | None = None, month: date | None = None
) -> ClosureCalendar:
    """The month grids from the month of `month` (default: this month), and closures ending
    CALENDAR_PAST_DAYS ago or later, each with `cancelled` (its sessions, with `client_count`).
    Three queries whatever the number."""
    today = today or timezone.localdate()
    first_month = _month_shift(month or today, 0)
    earliest, latest = clinic_date_bounds()
    previous_month = _month_shift(first_month, -CALENDAR_MONTHS)
    next_month = _month_shift(first_month, CALENDAR_MONTHS)
    client_count = (
        SessionClient.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("*"))
        .values("n")
    )
    sessions = (
        Session.objects.annotate(client_count=Coalesce(Subquery(client_count), 0))
        .select_related("group", "client", "room", "clinician")
        .order_by("starts_at")
    )
    closures: list[ClinicClosure] = list(
        ClinicClosure.objects.filter(last_day__gte=today - timedelta(days=CALENDAR_PAST_DAYS))
        .select_related("created_by", "withdrawn_by")
        .prefetch_related(Prefetch("cancelled_sessions", queryset=sessions, to_attr="cancelled"))
        .order_by("first_day")
    )
    return ClosureCalendar(
        months=_calendar_months(first_month, today),
        previous_month=previous_month if previous_month >= _month_shift(earliest, 0) else None,
        next_month=next_month if next_month <= latest else None,
        upcoming=[c for c in closures if not c.is_withdrawn and c.last_day >= today],
        past=[c for c in closures if not c.is_withdrawn and c.last_day < today][::-1],
        withdrawn=[c for c in closures if c.is_withdrawn],
    )


@dataclass(frozen=True)
class ClosurePreview:
    """What closing these days would cancel, for the confirm step."""

    sessions: int
    clients: int
    documented: list[Session]


def closure_preview_get(*, first_day: date, last_day: date) -> ClosurePreview:
    """The scheduled sessions on these days and how many clients are on them. Three queries."""
    scheduled = closure_session_list(first_day=first_day, last_day=last_day).filter(
        status=Session.Status.SCHEDULED
    )
    clients = SessionClient.objects.filter(session__in=scheduled).values("client_id").distinct()
    return ClosurePreview(
        sessions=scheduled.count(),
        clients=clients.count(),
        documented=list(closure_documented_session_list(first_day=first_day, last_day=last_day)),
    )
