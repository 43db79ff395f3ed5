"""Reads of the group catalogue and rosters."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from clients.models import Client, ProgramTrack
from clients.selectors import client_name_or_mrn
from iop.clock import week_start_of
from iop.hours import hours

from .models import Enrollment, Group, Room

CLIENT_SEARCH_LIMIT = 10


def group_list(*, on: date, name: str = "", near_capacity: bool = False) -> QuerySet[Group]:
    """Every group (those whose name contains `name`, if given; with `near_capacity`, those
    `group_near_capacity_list` finds) by name, with its room, track, facilitators and how many
    clients are enrolled `on`."""
    enrolled = (
        Enrollment.objects.covering(on)
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("*"))  # not of a column: the count reads the index alone
        .values("n")
    )
    groups = Group.objects.filter(name__icontains=name) if name else Group.objects.all()
    if near_capacity:
        groups = groups.filter(pk__in=[row.group_id for row in group_near_capacity_list(on=on)])
    return (
        groups.select_related("room", "track")
        .prefetch_related("facilitators")
        .annotate(enrolled=Coalesce(Subquery(enrolled), 0))
        .order_by("name", "pk")
    )


def enrollment_list(*, group: Group, on: date) -> QuerySet[Enrollment]:
    """The group's roster: its live enrollments current on `on` or starting later, soonest
    first."""
    return (
        group.enrollments.overlapping(on)
        .select_related("client__track")
        .order_by("start_date", "client__legal_last_name")
    )


def roster_candidate_list(*, group: Group, query: str, on: date) -> QuerySet[Client]:
    """Active clients of the group's track matching `query` (name or MRN), not on its roster."""
    if not query.split():
        return Client.objects.none()
    enrolled = enrollment_list(group=group, on=on).values("client_id")
    return (
        Client.objects.filter(
            client_name_or_mrn(query), status=Client.Status.ACTIVE, track=group.track
        )
        .exclude(pk__in=enrolled)
        .order_by("legal_last_name", "legal_first_name")[:CLIENT_SEARCH_LIMIT]
    )


def _minutes_of_day(at: time) -> int:
    return at.hour * 60 + at.minute


def group_clashes_with(*, group: Group, other: Group) -> bool:
    """Whether the two groups' weekly patterns ever put one person in both at the same time."""
    if not set(group.weekdays) & set(other.weekdays):
        return False
    if group.last_date is not None and group.last_date < other.first_date:
        return False
    if other.last_date is not None and other.last_date < group.first_date:
        return False
    group_start, other_start = (
        _minutes_of_day(group.start_time),
        _minutes_of_day(other.start_time),
    )
    return (
        group_start < other_start + other.duration_minutes
        and other_start < group_start + group.duration_minutes
    )


@dataclass(frozen=True)
class PlannedWeek:
    """A client's group time in one week against their track's minimum."""

    week_start: date
    minutes: int
    days: int
    track: ProgramTrack

    @property
    def is_short(self) -> bool:
        return (
            self.minutes < self.track.weekly_minimum_minutes
            or self.days < self.track.minimum_treatment_days
        )

    def __str__(self) -> str:
        return (
            f"{hours(self.minutes)} of {hours(self.track.weekly_minimum_minutes)} hours planned, "
            f"{self.days} of {self.track.minimum_treatment_days} days"
        )


def planned_week_by_client(*, clients: list[Client], week_of: date) -> dict[int, PlannedWeek]:
    """For each client, the group sessions that count toward hours their rosters plan in the week
    of `week_of` (one query for any number of clients)."""
    monday = week_start_of(week_of)
    sunday = monday + timedelta(days=6)
    enrollments = (
        Enrollment.objects.overlapping(monday, sunday)
        .filter(client__in=clients, group__is_active=True, group__counts_toward_hours=True)
        .filter(Q(group__last_date__isnull=True) | Q(group__last_date__gte=monday))
        .select_related("group")
    )
    minutes: dict[int, int] = defaultdict(int)
    days: dict[int, set[date]] = defaultdict(set)
    for enrollment in enrollments:
        group = enrollment.group
        for offset in range(7):
            day = monday + timedelta(days=offset)
            meets = (
                day.weekday() in group.weekdays
                and group.first_date <= day
                and (group.last_date is None or day <= group.last_date)
            )
            if enrollment.covers(day) and meets:
                minutes[enrollment.client_id] += group.duration_minutes
                days[enrollment.client_id].add(day)
    return {
        client.pk: PlannedWeek(
            week_start=monday,
            minutes=minutes[client.pk],
            days=len(days[client.pk]),
            track=client.track,
        )
        for client in clients
    }


@dataclass(frozen=True)
class Roster:
    """A group's roster page: each live row with the client's planned group time next week, how
    many are on the group today, and the clients a search found to add."""

    rows: list[tuple[Enrollment, PlannedWeek]]
    current: int
    candidates: QuerySet[Client]
    next_monday: date


def enrollment_roster(*, group: Group, query: str, on: date) -> Roster:
    enrollments = list(enrollment_list(group=group, on=on))
    next_monday = week_start_of(on + timedelta(days=7))
    planned = planned_week_by_client(clients=[e.client for e in enrollments], week_of=next_monday)
    return Roster(
        rows=[(e, planned[e.client_id]) for e in enrollments],
        current=sum(1 for e in enrollments if e.start_date <= on),
        candidates=roster_candidate_list(group=group, query=query, on=on),
        next_monday=next_monday,
    )


def room_list() -> QuerySet[Room]:
    """Every room, in use first, with `groups_in_use` (active groups meeting in it). One query."""
    return Room.objects.annotate(
        groups_in_use=Count("groups", filter=Q(groups__is_active=True))
    ).order_by("-is_active", "name")


def room_groups_in_use(*, room: Room) -> QuerySet[Group]:
    """The active groups that meet in the room."""
    return Group.objects.filter(room=room, is_active=True).order_by("name")


# A group is near capacity once this share of its seats is taken (or it has one seat left).
NEAR_CAPACITY = 0.8


@dataclass(frozen=True)
class NearCapacity:
    """A group at or near capacity, as the admin home's card and the catalogue's filter ask it."""

    group_id: int
    name: str
    track: str
    enrolled: int
    capacity: int

    @property
    def seats_left(self) -> int:
        return self.capacity - self.enrolled


def group_near_capacity_list(*, on: date) -> list[NearCapacity]:
    """Groups meeting on `on` with their enrolled clients at or near capacity, fullest first: one
    query, of plain values (the card shows ten; every group meeting as a row with its track was
    most of its time: 120 groups at the bench's scale 1, 2.8 ms against 1.6). The seats are
    compared here, not in SQL, where each use of the enrolled count (the test, the seats left, the
    order) ran its subquery again for every group."""
    meeting = (
        group_list(on=on)
        .prefetch_related(None)
        .select_related(None)
        .filter(is_active=True, first_date__lte=on)
        .filter(Q(last_date__isnull=True) | Q(last_date__gte=on))
        # `enrolled` is group_list's annotation, which the type checker cannot see.
        .values_list("pk", "name", "track__name", "enrolled", "capacity")  # type: ignore[misc]
    )
    near = [
        NearCapacity(group_id=pk, name=name, track=track, enrolled=enrolled, capacity=capacity)
        for pk, name, track, enrolled, capacity in meeting
        if enrolled >= min(capacity * NEAR_CAPACITY, capacity - 1)
    ]
    return sorted(near, key=lambda row: (row.seats_left, row.name))
