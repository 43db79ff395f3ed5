"""Reads of sessions: a client's schedule, a clinician's week, the clinic's day, feeds."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from clients.models import Client
from groups.models import Enrollment
from iop.clock import local_midnight
from iop.models import User
from scheduling.models import Session

# The client's schedule, and the chart, look this many days ahead.
SCHEDULE_DAYS = 14


def sessions_with_day() -> QuerySet[Session]:
    """Sessions annotated with `day`, their local date, with what a calendar shows."""
    return Session.objects.annotate(
        day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone())
    ).select_related("group", "room", "clinician", "client")


def _enrolled_on_day(**filters: object) -> QuerySet[Enrollment]:
    return Enrollment.objects.covering(OuterRef("day")).filter(group=OuterRef("group"), **filters)


def in_client_sessions(client: Client) -> Q:
    """Filter for `sessions_with_day()`: the client's individual sessions, and the sessions of
    groups they are enrolled in on the session's local date."""
    return Q(client=client) | Q(Exists(_enrolled_on_day(client=client)), group__isnull=False)


def between(sessions: QuerySet[Session], first: date, last: date) -> QuerySet[Session]:
    """Sessions starting on local dates first..last inclusive."""
    return sessions.filter(
        starts_at__gte=local_midnight(first), starts_at__lt=local_midnight(last + timedelta(days=1))
    )


def client_schedule(client: Client, *, first: date, last: date) -> QuerySet[Session]:
    return between(sessions_with_day().filter(in_client_sessions(client)), first, last)


def _with_roster_count(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate `roster_count`: clients enrolled in a group session's group on its date (1 for an
    individual session)."""
    count = _enrolled_on_day().order_by().values("group").annotate(n=Count("pk")).values("n")
    # A group nobody is enrolled in has no count row: 0, not the individual session's 1.
    return sessions.annotate(
        roster_count=Case(When(group__isnull=True, then=1), default=Coalesce(Subquery(count), 0))
    )


def clinician_sessions(clinician: User) -> QuerySet[Session]:
    """The sessions a clinician leads or co-facilitates."""
    facilitated = clinician.facilitated_groups.values("pk")
    return sessions_with_day().filter(Q(clinician=clinician) | Q(group__in=facilitated))


def clinician_week(clinician: User, *, monday: date) -> QuerySet[Session]:
    """The clinician's sessions in the week starting `monday`, with roster counts."""
    sessions = between(clinician_sessions(clinician), monday, monday + timedelta(days=6))
    return _with_roster_count(sessions)


def clinic_day(day: date) -> QuerySet[Session]:
    return _with_roster_count(between(sessions_with_day(), day, day))


def session_for_user(user: User, pk: int) -> Session:
    """A session staff may change: admins any, clinicians the ones they lead; 404 otherwise."""
    sessions = Session.objects.select_related("group", "client", "room", "clinician")
    if not user.is_admin:
        facilitated = user.facilitated_groups.values("pk")
        sessions = sessions.filter(Q(clinician=user) | Q(group__in=facilitated))
    try:
        return sessions.get(pk=pk)
    except Session.DoesNotExist:
        raise Http404("No such session.") from None


@dataclass(frozen=True)
class WeekHours:
    """A client's scheduled time this week against their track's minimum."""

    minutes: int
    days: int
    minimum_minutes: int
    minimum_days: int

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def minimum_hours(self) -> float:
        return self.minimum_minutes / 60

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.minutes / self.minimum_minutes))


def week_hours(client: Client, sessions: list[Session]) -> WeekHours:
    """Scheduled (not cancelled) minutes that count toward hours among `sessions` (one week)."""
    counted = [
        s for s in sessions if s.status == Session.Status.SCHEDULED and s.counts_toward_hours
    ]
    return WeekHours(
        minutes=sum(s.length_minutes for s in counted),
        days=len({timezone.localdate(s.starts_at) for s in counted}),
        minimum_minutes=client.track.weekly_minimum_minutes,
        minimum_days=client.track.minimum_treatment_days,
    )
