"""Reads of sessions: who leads one, a client's schedule, a clinician's week, the clinic's day,
feeds, and what a new or moved session would double-book."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from clients.models import Client
from groups.models import Enrollment, Group, Room
from iop.clock import local_datetime, local_midnight
from iop.expressions import EqualsAny
from iop.models import User
from iop.pagination import StatementPaginator
from iop.statements import Slot, Statement
from scheduling.models import Session, SessionClient

# The client's schedule, and the chart, look this many days ahead.
SCHEDULE_DAYS = 14


def session_is_led_by(*, user: User, via: str = "") -> Q:
    """Filter for sessions `user` leads or co-facilitates: the people who run and document them.
    `via` is the path to the session from another model ("session__")."""
    facilitated = Group.facilitators.through.objects.filter(user_id=user.pk).values("group_id")
    # `= ANY(ARRAY(...))`: the planner reads the group index and estimates a few groups'
    # sessions (`IN (subquery)` sent it scanning every session of the clinic).
    led_group = EqualsAny(F(f"{via}group_id"), ArraySubquery(facilitated))
    return Q(**{f"{via}clinician_id": user.pk}) | Q(led_group)


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
    return _starting_between(sessions, *_days_span(first, last))


def _days_span(first: date, last: date) -> tuple[datetime, datetime]:
    """The moments that bound local dates first..last inclusive."""
    return local_midnight(first), local_midnight(last + timedelta(days=1))


def _starting_between(
    sessions: QuerySet[Session], start: datetime | Slot, end: datetime | Slot
) -> QuerySet[Session]:
    return sessions.filter(starts_at__gte=start, starts_at__lt=end)


def client_session_list(*, client: Client, first: date, last: date) -> list[Session]:
    """The client's schedule from `first` to `last` (local dates), cancelled sessions included so
    the client sees them as cancelled, with the group and room the client's pages show: a
    statement compiled once (the client's schedule is the page asked most often)."""
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    return _CLIENT_SESSIONS.run(client=client.pk, start=start, end=end)


def _client_sessions(start: Slot, end: Slot) -> QuerySet[Session]:
    # Through the client's roster rows of the window: the view then reads only the window's
    # sessions of the client's groups (one index range each), not every session they ever held.
    links = SessionClient.objects.filter(
        client_id=Slot("client"), starts_at__gte=start, starts_at__lt=end
    )
    return Session.objects.select_related("group", "room").filter(
        pk__in=links.values("session_id"), starts_at__gte=start, starts_at__lt=end
    )


_CLIENT_SESSIONS: Statement[Session] = Statement(
    lambda: _client_sessions(Slot("start"), Slot("end"))
)


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
    """Every session in the clinic on the local date `day`, with roster counts, by start (then
    id, so the pages of a busy day neither repeat nor skip a session)."""
    return _clinic_day(*_days_span(day, day))


# What a list shows of a session's name (`Session.name`) and of its clinician (`str(User)`): lists
# read only these of each relation (`only`), not every column of five tables.
SESSION_NAME_FIELDS = (
    "session_type",
    "group__name",
    *(f"client__{field}" for field in Client.DISPLAY_NAME_FIELDS),
)
CLINICIAN_NAME_FIELDS = ("clinician__first_name", "clinician__last_name", "clinician__username")
# The clinic day's row: its times, name, clinician, place and status.
_CLINIC_DAY_ROW = (
    "starts_at",
    "ends_at",
    "status",
    "cancel_reason",
    "is_telehealth",
    "room__name",
    "room__location",
    *SESSION_NAME_FIELDS,
    *CLINICIAN_NAME_FIELDS,
)


def _clinic_day(start: datetime | Slot, end: datetime | Slot) -> QuerySet[Session]:
    sessions = _starting_between(calendar_session_list(), start, end).only(*_CLINIC_DAY_ROW)
    return _with_roster_count(sessions).order_by("starts_at", "pk")


def session_status_counts(*, sessions: QuerySet[Session]) -> dict[str, int]:
    """How many of `sessions` are in each status, by the status's label (every status, zero
    included): one GROUP BY, whatever their number."""
    return _by_status_label(dict(_status_counts(sessions)))


def _status_counts(sessions: QuerySet[Session]) -> QuerySet:
    return (
        sessions.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )


def _by_status_label(counted: dict[str, int]) -> dict[str, int]:
    return {status.label: counted.get(status.value, 0) for status in Session.Status}


_CLINIC_DAY: Statement[Session] = Statement(lambda: _clinic_day(Slot("start"), Slot("end")))
_CLINIC_DAY_COUNTS: Statement[tuple[str, int]] = Statement(
    lambda: _status_counts(_clinic_day(Slot("start"), Slot("end")))
)


def clinic_day_paginator(*, day: date, per_page: int) -> tuple[StatementPaginator, dict[str, int]]:
    """`clinic_day_list` by pages, and `session_status_counts` of it (which count the pages): each
    a statement compiled once."""
    start, end = _days_span(day, day)
    counts = _by_status_label(dict(_CLINIC_DAY_COUNTS.run(start=start, end=end)))
    paginator = StatementPaginator(_CLINIC_DAY, {}, {"start": start, "end": end}, per_page)
    paginator.__dict__["count"] = sum(counts.values())  # known already: no COUNT of the day
    return paginator, counts


def session_conflict_list(
    *,
    starts_at: datetime,
    ends_at: datetime,
    clinician: User | None = None,
    room: Room | None = None,
    client: Client | None = None,
    exclude_ids: Collection[int] = (),
) -> list[str]:
    """What would be double-booked by a session in [starts_at, ends_at): one message per clash,
    naming what it clashes with. Only a read: the booking services call it under row locks, so its
    answer holds. `exclude_ids`: sessions being moved, which free their own times."""
    overlapping = (
        Session.objects.filter(
            starts_at__lt=ends_at, ends_at__gt=starts_at, status=Session.Status.SCHEDULED
        )
        .exclude(pk__in=exclude_ids)
        .select_related("group")
        .order_by("starts_at", "pk")
    )
    problems = []
    if clinician is not None:
        busy = overlapping.filter(Q(clinician=clinician) | Q(group__facilitators=clinician))
        if clash := busy.first():
            problems.append(f"{clinician} already has a session then ({_what(clash)}).")
    if room is not None and (clash := overlapping.filter(room=room).first()):
        problems.append(f"{room} is already booked then ({_what(clash)}).")
    if client is not None and (
        clash := overlapping.filter(session_has_client(client=client)).first()
    ):
        problems.append(f"{client.display_name} already has a session then ({_what(clash)}).")
    return problems


def _what(session: Session) -> str:
    """A clashing session said without naming its clients: the group, or the kind and time."""
    start = timezone.localtime(session.starts_at).strftime("%-I:%M %p")
    if session.group is not None:
        return f"{session.group.name} at {start}"
    return f"{session.get_session_type_display().lower()} at {start}"


def group_pattern_clash_list(
    *,
    starts_at: datetime,
    ends_at: datetime,
    clinician: User,
    room: Room | None,
    client: Client,
) -> list[str]:
    """What group meetings not yet on the calendar (beyond the days materialized) would clash
    with a session in [starts_at, ends_at): their weekly patterns, with the facilitators, the room
    and the enrollments they will have."""
    day = timezone.localdate(starts_at)
    involved = Q(facilitators=clinician) | Q(
        enrollments__in=Enrollment.objects.filter(client=client).covering(day)
    )
    if room is not None:
        involved |= Q(room=room)
    groups = (
        Group.objects.filter(involved, is_active=True, first_date__lte=day)
        .filter(Q(last_date__isnull=True) | Q(last_date__gte=day))
        .filter(weekdays__contains=[day.weekday()])
        .prefetch_related("facilitators")
        .distinct()
        .order_by("name")
    )
    problems = []
    for group in groups:
        meets = local_datetime(day, group.start_time)
        if not (meets < ends_at and starts_at < meets + timedelta(minutes=group.duration_minutes)):
            continue
        what = f"{group.name} at {timezone.localtime(meets):%-I:%M %p}"
        if clinician in group.facilitators.all():
            problems.append(f"{clinician} already has a session then ({what}).")
        if room is not None and group.room_id == room.pk:
            problems.append(f"{room} is already booked then ({what}).")
        if Enrollment.objects.filter(group=group, client=client).covering(day).exists():
            problems.append(f"{client.display_name} already has a session then ({what}).")
    return problems


def group_session_clash_check(*, group: Group, materialized_until: date) -> None:
    """Refuse a group pattern whose coming sessions would double-book a facilitator or the room
    with a session already on the calendar (clashes between group patterns are refused earlier,
    by the groups service): the sessions materialized up to `materialized_until`, and beyond it
    the pattern against the individual sessions already booked. Only reads: raised inside the
    group's save (by the receiver of `group_pattern_changed`), so the whole change rolls back."""
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
    if first is None and group.is_active:
        later = Session.objects.filter(
            busy,
            group__isnull=True,
            status=Session.Status.SCHEDULED,
            starts_at__gte=local_midnight(materialized_until + timedelta(days=1)),
        ).order_by("starts_at")
        first = next((s for s in later if _pattern_meets_during(group, s)), None)
    if first is not None:
        when = timezone.localtime(first.starts_at).strftime("%a %b %-d, %-I:%M %p")
        raise ValidationError(
            f"{when}: a facilitator or the room already has another session then."
        )


def _pattern_meets_during(group: Group, session: Session) -> bool:
    day = timezone.localdate(session.starts_at)
    if day.weekday() not in group.weekdays or day < group.first_date:
        return False
    if group.last_date is not None and day > group.last_date:
        return False
    meets = local_datetime(day, group.start_time)
    ends = meets + timedelta(minutes=group.duration_minutes)
    return meets < session.ends_at and session.starts_at < ends


Day = tuple[date, list[Session]]


def _by_day(sessions: list[Session], days: list[date]) -> list[Day]:
    """`days`, each with its sessions (each session's local date computed once)."""
    on: dict[date, list[Session]] = {day: [] for day in days}
    for session in sessions:
        on.get(timezone.localdate(session.starts_at), []).append(session)
    return list(on.items())


@dataclass(frozen=True)
class ClientSchedule:
    """The client's page: the coming days that have sessions."""

    days: list[Day]


def client_schedule_get(*, client: Client, today: date) -> ClientSchedule:
    """The next SCHEDULE_DAYS days from `today` (phone first: only days with sessions)."""
    last = today + timedelta(days=SCHEDULE_DAYS - 1)
    upcoming = list(client_session_list(client=client, first=today, last=last))
    days = [today + timedelta(days=n) for n in range(SCHEDULE_DAYS)]
    return ClientSchedule(days=[(day, items) for day, items in _by_day(upcoming, days) if items])


def clinician_week_days(*, clinician: User | None, monday: date) -> list[Day]:
    """The seven days from `monday` with the clinician's sessions (none when nobody is chosen)."""
    sessions = list(clinician_week_list(clinician=clinician, monday=monday)) if clinician else []
    return _by_day(sessions, [monday + timedelta(days=n) for n in range(7)])
