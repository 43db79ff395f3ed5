"""Reads of sessions: who leads one, a client's schedule, a clinician's week, the clinic's day,
feeds, and what a new or moved session would double-book."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from clients.models import Client
from groups.models import Group, Room
from iop.clock import local_midnight, week_start_of
from iop.models import User
from scheduling.models import Session, SessionClient

# The client's schedule, and the chart, look this many days ahead.
SCHEDULE_DAYS = 14


def session_is_led_by(*, user: User, via: str = "") -> Q:
    """Filter for sessions `user` leads or co-facilitates: the people who run and document them.
    `via` is the path to the session from another model ("session__")."""
    facilitated = Group.facilitators.through.objects.filter(user_id=user.pk).values("group_id")
    # `= ANY(ARRAY(...))` is computed once, before the scan: the planner reads the group index
    # and estimates a few groups' sessions (`IN (subquery)` was a filter guessed at half of them,
    # which sent it scanning every session of the clinic).
    led_group = _EqualsAny(F(f"{via}group_id"), ArraySubquery(facilitated))
    return Q(**{f"{via}clinician_id": user.pk}) | Q(led_group)


class _EqualsAny(Func):
    """`value = ANY(array)`."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def session_has_client(*, client: Client) -> Q:
    """Filter for sessions the client is on (`SessionClient`)."""
    return Q(Exists(SessionClient.objects.filter(session=OuterRef("pk"), client=client)))


def calendar_session_list() -> QuerySet[Session]:
    """Sessions annotated with `day`, their local date, with what a calendar shows."""
    return Session.objects.annotate(
        day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone())
    ).select_related("group", "room", "clinician", "client")


def session_between(*, sessions: QuerySet[Session], first: date, last: date) -> QuerySet[Session]:
    """Sessions starting on local dates first..last inclusive."""
    return sessions.filter(
        starts_at__gte=local_midnight(first), starts_at__lt=local_midnight(last + timedelta(days=1))
    )


def client_session_list(*, client: Client, first: date, last: date) -> QuerySet[Session]:
    """The client's schedule from `first` to `last` (local dates), cancelled sessions included so
    the client sees them as cancelled."""
    sessions = calendar_session_list().filter(session_has_client(client=client))
    return session_between(sessions=sessions, first=first, last=last)


def _with_roster_count(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate `roster_count`: the session's clients (`SessionClient`)."""
    count = (
        SessionClient.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("*"))
        .values("n")
    )
    return sessions.annotate(roster_count=Coalesce(Subquery(count), 0))


def clinician_session_list(*, clinician: User) -> QuerySet[Session]:
    """The sessions a clinician leads or co-facilitates, for a calendar."""
    return calendar_session_list().filter(session_is_led_by(user=clinician))


def clinician_week_list(*, clinician: User, monday: date) -> QuerySet[Session]:
    """The clinician's sessions in the week starting `monday`, with roster counts."""
    sessions = session_between(
        sessions=clinician_session_list(clinician=clinician),
        first=monday,
        last=monday + timedelta(days=6),
    )
    return _with_roster_count(sessions)


def clinic_day_list(*, day: date) -> QuerySet[Session]:
    """Every session in the clinic on the local date `day`, with roster counts."""
    return _with_roster_count(
        session_between(sessions=calendar_session_list(), first=day, last=day)
    )


def session_conflict_list(
    *,
    starts_at: datetime,
    ends_at: datetime,
    clinician: User | None = None,
    room: Room | None = None,
    client: Client | None = None,
    exclude: Session | None = None,
) -> list[str]:
    """What would be double-booked by a session in [starts_at, ends_at): one message per clash.
    Only a read: the booking services call it under row locks, so its answer holds."""
    overlapping = Session.objects.filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at, status=Session.Status.SCHEDULED
    )
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    problems = []
    if clinician is not None:
        busy = overlapping.filter(Q(clinician=clinician) | Q(group__facilitators=clinician))
        if busy.exists():
            problems.append(f"{clinician} already has a session then.")
    if room is not None and overlapping.filter(room=room).exists():
        problems.append(f"{room} is already booked then.")
    if client is not None and overlapping.filter(session_has_client(client=client)).exists():
        problems.append(f"{client.display_name} already has a session then.")
    return problems


def group_session_clash_check(*, group: Group) -> None:
    """Refuse a group pattern whose coming sessions would double-book a facilitator or the room
    with a session already on the calendar (clashes between group patterns are refused earlier,
    by the groups service). Only reads: raised inside the group's save (by the receiver of
    `group_pattern_changed`), so the whole change rolls back."""
    facilitators = list(group.facilitators.all())
    busy = Q(clinician__in=facilitators)
    if group.room_id is not None:
        busy |= Q(room_id=group.room_id)
    clashing = (
        Session.objects.filter(busy, status=Session.Status.SCHEDULED)
        .exclude(group=group)
        .filter(starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at"))
    )
    first = (
        Session.objects.filter(group=group, status=Session.Status.SCHEDULED)
        .filter(starts_at__gte=timezone.now())
        .filter(Exists(clashing))
        .first()
    )
    if first is not None:
        when = timezone.localtime(first.starts_at).strftime("%a %b %-d, %-I:%M %p")
        raise ValidationError(
            f"{when}: a facilitator or the room already has another session then."
        )


@dataclass(frozen=True)
class WeekHours:
    """A client's scheduled time this week against their track's minimum."""

    minutes: int
    days: int
    minimum_minutes: int
    minimum_days: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.minutes / self.minimum_minutes))


def _week_hours(client: Client, sessions: list[Session]) -> WeekHours:
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


Day = tuple[date, list[Session]]


def _by_day(sessions: list[Session], days: list[date]) -> list[Day]:
    return [(day, [s for s in sessions if timezone.localdate(s.starts_at) == day]) for day in days]


@dataclass(frozen=True)
class ClientSchedule:
    """The client's page: the coming days that have sessions, and this week's scheduled hours."""

    days: list[Day]
    hours: WeekHours


def client_schedule_get(*, client: Client, today: date) -> ClientSchedule:
    """The next SCHEDULE_DAYS days from `today` (phone first: only days with sessions), and the
    scheduled hours of the whole week `today` is in, earlier days included."""
    monday = week_start_of(today)
    last = today + timedelta(days=SCHEDULE_DAYS - 1)
    sessions = list(client_session_list(client=client, first=monday, last=last))
    this_week = [
        s for s in sessions if timezone.localdate(s.starts_at) < monday + timedelta(days=7)
    ]
    upcoming = [s for s in sessions if timezone.localdate(s.starts_at) >= today]
    days = [today + timedelta(days=n) for n in range(SCHEDULE_DAYS)]
    return ClientSchedule(
        days=[(day, items) for day, items in _by_day(upcoming, days) if items],
        hours=_week_hours(client, this_week),
    )


def clinician_week_days(*, clinician: User | None, monday: date) -> list[Day]:
    """The seven days from `monday` with the clinician's sessions (none when nobody is chosen)."""
    sessions = list(clinician_week_list(clinician=clinician, monday=monday)) if clinician else []
    return _by_day(sessions, [monday + timedelta(days=n) for n in range(7)])
