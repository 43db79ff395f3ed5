"""Writes of the group catalogue and rosters. Every write to a group or an enrollment goes through
here. Rules that span rows (capacity, one enrollment per client per period, no clashing groups) are
checked under row locks on the group and the client, so two concurrent requests cannot both pass."""

from collections.abc import Sequence
from datetime import date, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clients.models import Client, ProgramTrack
from clients.signals import client_weeks_changed
from iop.dates import check_dates
from iop.models import User

from .models import MAX_SESSION_MINUTES, Enrollment, Group, Room, meets_by_video
from .selectors import group_clashes_with, room_groups_in_use
from .signals import group_pattern_changed

PATTERN_FIELDS = ("weekdays", "start_time", "duration_minutes", "first_date", "last_date")


def _group_check(group: Group, facilitators: Sequence[User]) -> None:
    """Field errors a person can act on, before the database constraints would say it less kindly."""
    errors: dict[str, str] = {}
    if not group.weekdays:
        errors["weekdays"] = "Pick at least one weekday."
    elif any(not 0 <= day <= 6 for day in group.weekdays):
        errors["weekdays"] = "Weekdays run from 0 (Monday) to 6 (Sunday)."
    elif len(set(group.weekdays)) != len(group.weekdays):
        errors["weekdays"] = "Each weekday can appear only once."
    if not 0 < group.duration_minutes <= MAX_SESSION_MINUTES:
        errors["duration_minutes"] = f"A session lasts 1 to {MAX_SESSION_MINUTES} minutes."
    if group.capacity <= 0:
        errors["capacity"] = "Capacity must be at least 1."
    elif group.room is not None and group.capacity > group.room.capacity:
        errors["capacity"] = f"{group.room} holds only {group.room.capacity} people."
    if group.last_date is not None and group.last_date < group.first_date:
        errors["last_date"] = "The last date cannot be before the first date."
    if group.room is None and not group.is_telehealth:
        errors["room"] = "Choose a room or mark the group as telehealth."
    if group.join_link and not meets_by_video(room=group.room, is_telehealth=group.is_telehealth):
        errors["join_link"] = "Only a group that meets by video (telehealth) has a join link."
    if not facilitators:
        errors["facilitators"] = "A group needs at least one facilitator."
    elif any(not user.is_clinician for user in facilitators):
        errors["facilitators"] = "Facilitators must be clinicians."
    if errors:
        raise ValidationError(errors)


def _check_no_clash(group: Group, facilitators: Sequence[User]) -> None:
    """No other active group may meet in the same room or with one of the same facilitators at the
    same time. The room and facilitator rows are locked so two admins cannot both pass."""
    if not group.is_active:
        return
    list(User.objects.select_for_update().filter(pk__in=[f.pk for f in facilitators]))
    sharing = Q(facilitators__in=facilitators)
    if group.room is not None:
        list(Room.objects.select_for_update().filter(pk=group.room.pk))
        sharing |= Q(room=group.room)
    others = (
        Group.objects.filter(sharing, is_active=True)
        .exclude(pk=group.pk)
        .distinct()
        .prefetch_related("facilitators")
    )
    for other in others:
        if not group_clashes_with(group=group, other=other):
            continue
        if group.room is not None and other.room_id == group.room.pk:
            raise ValidationError({"room": f"{group.room} is used by {other} at that time."})
        names = ", ".join(str(f) for f in other.facilitators.all() if f in facilitators)
        raise ValidationError({"facilitators": f"{names} already leads {other} at that time."})


def _group_save(group: Group, facilitators: Sequence[User]) -> Group:
    check_dates(first_date=group.first_date, last_date=group.last_date)
    group.weekdays = sorted(group.weekdays)
    _group_check(group, facilitators)
    _check_no_clash(group, facilitators)
    group.full_clean()
    group.save()
    group.facilitators.set(facilitators)
    group_pattern_changed.send(sender=Group, group=group)
    return group


@transaction.atomic
def group_create(
    *,
    name: str,
    group_type: str,
    track: ProgramTrack,
    facilitators: Sequence[User],
    capacity: int,
    weekdays: Sequence[int],
    start_time: time,
    duration_minutes: int,
    first_date: date,
    last_date: date | None = None,
    room: Room | None = None,
    is_telehealth: bool = False,
    join_link: str = "",
    is_open: bool = True,
    counts_toward_hours: bool = True,
    is_active: bool = True,
    what_to_bring: str = "",
) -> Group:
    """Add a group to the catalogue; its sessions for the coming weeks appear at once."""
    group = Group(
        name=name.strip(),
        group_type=group_type,
        track=track,
        capacity=capacity,
        weekdays=list(weekdays),
        start_time=start_time,
        duration_minutes=duration_minutes,
        first_date=first_date,
        last_date=last_date,
        room=room,
        is_telehealth=is_telehealth,
        join_link=join_link.strip(),
        is_open=is_open,
        counts_toward_hours=counts_toward_hours,
        is_active=is_active,
        what_to_bring=what_to_bring.strip(),
    )
    return _group_save(group, facilitators)


@transaction.atomic
def group_update(*, group: Group, facilitators: Sequence[User], **fields: Any) -> Group:
    """Change a group; a changed pattern moves its future sessions that nobody has logged yet."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    for field, value in fields.items():
        setattr(group, field, value.strip() if field in ("name", "join_link") else value)
    return _group_save(group, facilitators)


@transaction.atomic
def enrollment_create(
    *, group: Group, client: Client, start_date: date, end_date: date | None = None
) -> Enrollment:
    """Put a client on a group's roster. Refused, with a message for the admin: a client who is
    not active, the wrong program track, a full group, a second enrollment in the same group for
    the same days, or a group that meets while another of the client's groups meets."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    client = (
        Client.objects.select_for_update(of=("self",)).select_related("track").get(pk=client.pk)
    )
    check_dates(start_date=start_date, end_date=end_date)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The end date cannot be before the start date."})
    if client.status != Client.Status.ACTIVE:
        raise ValidationError(
            f"{client.display_name} is {client.get_status_display().lower()}: only active "
            "clients can be enrolled."
        )
    if client.track_id != group.track_id:
        raise ValidationError(
            f"{group} is for the {group.track} track; {client.display_name} is on {client.track}."
        )
    if not group.is_active or (group.last_date is not None and start_date > group.last_date):
        raise ValidationError({"start_date": f"{group} does not meet after {group.last_date}."})
    if group.enrollments.filter(client=client).overlapping(start_date, end_date).exists():
        raise ValidationError(f"{client.display_name} is already enrolled in {group} then.")
    if group.enrollments.overlapping(start_date, end_date).count() >= group.capacity:
        raise ValidationError(f"{group} is full ({group.capacity} places).")
    others = client.enrollments.exclude(group=group).overlapping(start_date, end_date)
    for other in others.select_related("group"):
        if group_clashes_with(group=group, other=other.group):
            raise ValidationError(
                f"{group} meets at the same time as {other.group}, where "
                f"{client.display_name} is enrolled."
            )
    enrollment = Enrollment(group=group, client=client, start_date=start_date, end_date=end_date)
    enrollment.full_clean()
    enrollment.save()
    client_weeks_changed.send(
        sender=Enrollment, client_ids=[client.pk], first_day=start_date, last_day=end_date
    )
    return enrollment


def _locked(enrollment: Enrollment) -> Enrollment:
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("client", "group")
        .get(pk=enrollment.pk)
    )
    if enrollment.is_voided:
        raise ValidationError("This enrollment was voided; it no longer changes.")
    return enrollment


@transaction.atomic
def enrollment_end(*, enrollment: Enrollment, end_date: date) -> Enrollment:
    """Withdraw a client from a group after `end_date` (a later date than a set end changes
    nothing). An end before the start is refused: an enrollment made by mistake is voided with
    `enrollment_void`, never removed."""
    check_dates(end_date=end_date)
    enrollment = _locked(enrollment)
    if end_date < enrollment.start_date:
        raise ValidationError(
            {
                "end_date": f"{enrollment.client.display_name} starts in {enrollment.group} on "
                f"{enrollment.start_date:%b %-d, %Y}; the last day cannot be before that. If "
                "the enrollment was made by mistake, void it instead."
            }
        )
    if enrollment.end_date is not None and enrollment.end_date <= end_date:
        return enrollment
    previous_end = enrollment.end_date
    enrollment.end_date = end_date
    enrollment.full_clean()
    enrollment.save(update_fields=["end_date"])
    client_weeks_changed.send(
        sender=Enrollment,
        client_ids=[enrollment.client_id],
        first_day=end_date + timedelta(days=1),
        last_day=previous_end,
    )
    return enrollment


@transaction.atomic
def enrollment_void(*, enrollment: Enrollment, actor: User, reason: str) -> Enrollment:
    """Mark an enrollment made by mistake as void: it keeps its row, with who voided it, when and
    why, and counts nowhere from then on (rosters, capacity, schedules, hours)."""
    enrollment = _locked(enrollment)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"void_reason": "Say why this enrollment is void."})
    enrollment.voided_at, enrollment.voided_by, enrollment.void_reason = (
        timezone.now(),
        actor,
        reason,
    )
    enrollment.full_clean()
    enrollment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    client_weeks_changed.send(
        sender=Enrollment,
        client_ids=[enrollment.client_id],
        first_day=enrollment.start_date,
        last_day=enrollment.end_date,
    )
    return enrollment


DISCHARGED_BEFORE_START = "Discharged before the start date"


@transaction.atomic
def enrollments_end_for_client(*, client: Client, end_date: date, actor: User) -> int:
    """A discharge on `end_date`: every enrollment of the client still open after that day ends
    on it, and one that would only start later is voided (by `actor`, who recorded the
    discharge). Returns how many changed."""
    enrollments = list(client.enrollments.overlapping(end_date + timedelta(days=1)))
    for enrollment in enrollments:
        if enrollment.start_date > end_date:
            enrollment_void(enrollment=enrollment, actor=actor, reason=DISCHARGED_BEFORE_START)
        else:
            enrollment_end(enrollment=enrollment, end_date=end_date)
    return len(enrollments)


def _room_check(room: Room) -> None:
    errors = {}
    if not room.name.strip():
        errors["name"] = "Give the room a name."
    if room.capacity <= 0:
        errors["capacity"] = "A room holds at least 1 person."
    elif room.pk is not None:
        larger = room_groups_in_use(room=room).filter(capacity__gt=room.capacity)
        if larger:
            names = ", ".join(f"{group} ({group.capacity})" for group in larger)
            errors["capacity"] = f"These groups take more people than that: {names}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def room_create(*, name: str, location: str, capacity: int) -> Room:
    room = Room(name=name.strip(), location=location.strip(), capacity=capacity)
    _room_check(room)
    room.full_clean()
    room.save()
    return room


@transaction.atomic
def room_update(*, room: Room, name: str, location: str, capacity: int, is_active: bool) -> Room:
    """Change a room (its location is what reminders give clients as directions). A room is never
    deleted, since sessions keep where they met: it is retired, once no active group meets in it."""
    room = Room.objects.select_for_update().get(pk=room.pk)
    room.name, room.location, room.capacity = name.strip(), location.strip(), capacity
    _room_check(room)
    if not is_active and room.is_active:
        in_use = list(room_groups_in_use(room=room))
        if in_use:
            names = ", ".join(str(group) for group in in_use)
            raise ValidationError(
                {"is_active": f"Move these groups to another room before retiring it: {names}."}
            )
    room.is_active = is_active
    room.full_clean()
    room.save()
    return room
