"""Reads of clinic closures: which days are closed, the closure calendar, and what a closure
would cancel."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from iop.clock import local_midnight, week_start_of
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
class ClosureCalendar:
    """The closure page: closures ahead, recent ones, and recently withdrawn ones, each with the
    sessions it cancelled (and how many clients were on them)."""

    upcoming: list[ClinicClosure]
    past: list[ClinicClosure]
    withdrawn: list[ClinicClosure]


CALENDAR_PAST_DAYS = 90


def closure_calendar_get(*, today: date | None = None) -> ClosureCalendar:
    """Closures ending CALENDAR_PAST_DAYS ago or later, each with `cancelled` (its sessions, with
    `client_count`). Two queries whatever the number."""
    today = today or timezone.localdate()
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
