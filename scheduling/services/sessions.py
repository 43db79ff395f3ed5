"""Writes of sessions on the calendar: group occurrences materialized from weekly patterns, and
individual sessions scheduled by clinicians; cancel and reschedule with a reason.

Times are stored in UTC and scheduled in the clinic's local time (settings.TIME_ZONE): a weekly
6 pm session is 6 pm local on every date, whatever the UTC offset that day. Double-booking (a
clinician, a room or a client in two sessions at once) cannot be an exclusion constraint here (no
btree_gist), so it is checked under row locks on the clinician, the room and the client."""

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from clients.models import Client
from groups.models import MAX_SESSION_MINUTES, Group, Room, meets_by_video
from iop.clock import local_datetime, week_bounds, week_start_of
from iop.dates import check_dates
from iop.models import User
from scheduling.models import Attendance, Session, SessionLog, SessionSeries, SessionType
from scheduling.selectors.closures import closure_by_day, closure_on, closure_series_dates
from scheduling.selectors.compliance import client_weeks_of_groups
from scheduling.selectors.sessions import group_pattern_clash_list, session_conflict_list
from scheduling.services.compliance import (
    compliance_recompute_on_commit,
    compliance_recompute_sessions_on_commit,
)

MATERIALIZE_DAYS = 28
DISCHARGE_CANCEL_REASON = "Client discharged"


def _days(first: date, last: date) -> Iterable[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def group_occurrences(group: Group, *, today: date) -> list[Session]:
    """The sessions the group's pattern wants from `today` for MATERIALIZE_DAYS days (unsaved)."""
    if not group.is_active:
        return []
    facilitators = sorted(group.facilitators.all(), key=lambda user: user.pk)
    if not facilitators:
        return []
    first = max(today, group.first_date)
    last = today + timedelta(days=MATERIALIZE_DAYS - 1)
    if group.last_date is not None:
        last = min(last, group.last_date)
    occurrences = []
    for day in _days(first, last):
        if day.weekday() in group.weekdays:
            starts_at = local_datetime(day, group.start_time)
            occurrences.append(
                Session(
                    session_type=SessionType.GROUP,
                    group=group,
                    clinician=facilitators[0],
                    room=group.room,
                    is_telehealth=group.is_telehealth,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=group.duration_minutes),
                    counts_toward_hours=group.counts_toward_hours,
                )
            )
    return occurrences


@transaction.atomic
def sessions_materialize(
    *, groups: QuerySet[Group] | None = None, now: datetime | None = None
) -> int:
    """Bring the next MATERIALIZE_DAYS days of group sessions in line with the weekly patterns.

    Idempotent and set-based: missing occurrences are inserted in one statement (ON CONFLICT on
    the unique group and start does nothing), cancelled on a day the clinic is closed; a future
    session nobody has logged yet that the pattern no longer matches is moved to the pattern's
    time on its date (keeping a cancellation), or deleted when the pattern no longer meets that day. Logged and past sessions never change.
    Returns how many sessions were inserted. `now` is the moment to materialize from: the
    present, except for the demo clinic, which fills in the weeks it has documented."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    locked = (groups if groups is not None else Group.objects.all()).select_for_update()
    group_ids = list(locked.order_by("pk").values_list("pk", flat=True))
    patterns = Group.objects.filter(pk__in=group_ids).select_related("room")
    # Only occurrences still ahead: a pattern changed at noon to 9 am starts tomorrow.
    wanted = [
        s
        for group in patterns.prefetch_related("facilitators")
        for s in group_occurrences(group, today=today)
        if s.starts_at >= now
    ]
    wanted_by_day = {(s.group_id, timezone.localdate(s.starts_at)): s for s in wanted}

    unlogged = (
        Session.objects.filter(
            group__in=group_ids,
            starts_at__gte=now,
            # Only the window materialized here: what lies beyond is another run's business.
            starts_at__lt=local_datetime(today + timedelta(days=MATERIALIZE_DAYS), time.min),
        )
        .exclude(Exists(Attendance.objects.filter(session=OuterRef("pk"))))
        # Documented in any way (a drop-in, a group summary) is logged too: it stays as it is.
        .exclude(Exists(SessionLog.objects.filter(session=OuterRef("pk"))))
        .order_by("starts_at")
    )
    by_day: dict[tuple[int | None, date], list[Session]] = defaultdict(list)
    for session in unlogged:
        by_day[(session.group_id, timezone.localdate(session.starts_at))].append(session)
    moved: list[Session] = []
    stale: list[Session] = []
    fields = ("starts_at", "ends_at", "clinician_id", "room_id", "is_telehealth")
    for key, sessions in by_day.items():
        target = wanted_by_day.get(key)
        if target is None:
            stale.extend(sessions)
            continue
        keep = sessions[0]
        stale.extend(sessions[1:])
        if any(getattr(keep, f) != getattr(target, f) for f in fields):
            for field in (*fields, "counts_toward_hours"):
                setattr(keep, field, getattr(target, field))
            moved.append(keep)
    if stale:
        Session.objects.filter(pk__in=[s.pk for s in stale]).delete()
    if moved:
        Session.objects.bulk_update(
            moved,
            ["starts_at", "ends_at", "clinician", "room", "is_telehealth", "counts_toward_hours"],
        )
    existing = set(
        Session.objects.filter(
            group__in=group_ids, starts_at__in=[s.starts_at for s in wanted]
        ).values_list("group_id", "starts_at")
    )
    missing = [s for s in wanted if (s.group_id, s.starts_at) not in existing]
    # An occurrence on a closed day goes on the calendar already cancelled, as the closure left
    # the ones it found: rosters, feeds and the clients' notices treat them all alike.
    closed = closure_by_day(first_day=today, last_day=today + timedelta(days=MATERIALIZE_DAYS))
    for session in missing:
        if closure := closed.get(timezone.localdate(session.starts_at)):
            session.status = Session.Status.CANCELLED
            session.cancel_reason = closure.cancel_reason
            session.closure = closure
    # ON CONFLICT DO NOTHING: a concurrent run that inserted the same occurrence wins quietly.
    Session.objects.bulk_create(missing, ignore_conflicts=True)
    # Sessions added, moved or removed this week change the week of the groups' clients.
    this_week = week_start_of(today)
    week_end = week_bounds(this_week)[1]
    changed_groups = {
        s.group_id
        for s in (*stale, *moved, *missing)
        if s.group_id is not None and s.starts_at < week_end
    }
    if changed_groups:
        compliance_recompute_on_commit(
            client_weeks=client_weeks_of_groups(group_ids=changed_groups, week_start=this_week)
        )
    return len(missing)


def _lock_people(clinician: User, client: Client, room: Room | None) -> None:
    """Serialize bookings that involve the same clinician, client or room."""
    User.objects.select_for_update().filter(pk=clinician.pk).get()
    Client.objects.select_for_update().filter(pk=client.pk).get()
    if room is not None:
        Room.objects.select_for_update().filter(pk=room.pk).get()


def _check_times(starts_at: datetime, duration_minutes: int) -> None:
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "The start needs a time zone."})
    check_dates(starts_at=starts_at)
    if not 0 < duration_minutes <= MAX_SESSION_MINUTES:
        raise ValidationError(
            {"duration_minutes": f"A session lasts 1 to {MAX_SESSION_MINUTES} minutes."}
        )


def _refuse_closed_day(starts_at: datetime) -> None:
    day = timezone.localdate(starts_at)
    if closure := closure_on(day=day):
        raise ValidationError(
            {"starts_at": f"The clinic is closed on {day:%a %b %-d} ({closure.label})."}
        )


def _clashes(
    *,
    starts_at: datetime,
    ends_at: datetime,
    clinician: User,
    room: Room | None,
    client: Client,
    exclude_ids: Collection[int] = (),
) -> list[str]:
    """Everything a session at this time would double-book: the calendar's sessions, and beyond
    the days group sessions are materialized for, the meetings the groups' patterns will add."""
    problems = session_conflict_list(
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        room=room,
        client=client,
        exclude_ids=exclude_ids,
    )
    last_materialized = timezone.localdate() + timedelta(days=MATERIALIZE_DAYS - 1)
    if timezone.localdate(starts_at) > last_materialized:
        problems += group_pattern_clash_list(
            starts_at=starts_at, ends_at=ends_at, clinician=clinician, room=room, client=client
        )
    return problems


def _refuse_clashes(
    clashes: dict[datetime, list[str]], dates: int, field: str | None = None
) -> None:
    """One message per clashing date, so every clash of a series is seen at once."""
    if clashes:
        messages = [
            f"{timezone.localtime(start):%a %b %-d, %-I:%M %p}: {' '.join(problems)}"
            for start, problems in sorted(clashes.items())
        ]
        if dates > 1:
            messages.insert(0, f"Nothing was changed: {len(clashes)} of {dates} dates clash.")
        raise ValidationError({field: messages} if field else messages)


def _check_until(client: Client, until: date | None, first: date) -> date:
    """A series runs until a date from its first session to the client's expected end of the
    program (admission plus the planned length)."""
    if until is None:
        raise ValidationError({"until": "Give the date the series ends."})
    if until < first:
        raise ValidationError({"until": "The series ends on or after its first session."})
    expected_end = client.expected_end
    if expected_end is None:
        raise ValidationError({"until": f"{client.display_name} has not been admitted yet."})
    if until > expected_end:
        raise ValidationError(
            {
                "until": f"A series runs at most until the expected end of "
                f"{client.display_name}'s program, {expected_end:%a %b %-d, %Y} "
                f"({client.expected_length_weeks} weeks from the admission)."
            }
        )
    return until


@transaction.atomic
def session_schedule(
    *,
    session_type: str,
    client: Client,
    clinician: User,
    starts_at: datetime,
    duration_minutes: int,
    room: Room | None = None,
    is_telehealth: bool = False,
    join_link: str = "",
    repeat: str = "",
    until: date | None = None,
    counts_toward_hours: bool = True,
) -> list[Session]:
    """Schedule an individual session (individual, family, case management, medication
    management, intake assessment) once, or as a series at the same local time, weekly or every
    two weeks (`repeat`) until a date no later than the client's expected end of the program.
    A series skips the dates the clinic is closed (`closure_series_dates` names them); a single
    session on one is refused. Refused, with every clashing date named and nothing booked, when
    the client is not active or anyone or the room would be double-booked."""
    _check_times(starts_at, duration_minutes)
    if session_type == SessionType.GROUP or session_type not in SessionType.values:
        raise ValidationError({"session_type": "Choose an individual session type."})
    if repeat and repeat not in SessionSeries.Frequency.values:
        raise ValidationError({"repeat": "Choose weekly or every two weeks."})
    if not clinician.is_clinician:
        raise ValidationError({"clinician": "Sessions are led by a clinician."})
    if room is None and not is_telehealth:
        raise ValidationError({"room": "Choose a room or mark the session as telehealth."})
    join_link = join_link.strip()
    if join_link and not meets_by_video(room=room, is_telehealth=is_telehealth):
        raise ValidationError(
            {"join_link": "Only a session held by video (telehealth) has a join link."}
        )
    _lock_people(clinician, client, room)
    client.refresh_from_db(fields=["status", "admission_date", "expected_length_weeks"])
    if client.status == Client.Status.DISCHARGED:
        raise ValidationError(f"{client.display_name} is discharged.")
    local_start = timezone.localtime(starts_at)
    series = None
    days = [local_start.date()]
    if repeat:
        last = _check_until(client, until, local_start.date())
        series = SessionSeries(
            client=client, frequency=repeat, first_date=local_start.date(), until=last
        )
        series.full_clean()
        closed = closure_series_dates(series=series)
        days = [day for day in series.dates() if day not in closed]
        if not days:
            raise ValidationError(
                {"starts_at": "The clinic is closed on every date of this series."}
            )
    else:
        _refuse_closed_day(starts_at)
    sessions = []
    clashes = {}
    for day in days:
        start = local_datetime(day, local_start.time())
        _check_times(start, duration_minutes)
        end = start + timedelta(minutes=duration_minutes)
        if problems := _clashes(
            starts_at=start, ends_at=end, clinician=clinician, room=room, client=client
        ):
            clashes[start] = problems
        session = Session(
            session_type=session_type,
            client=client,
            clinician=clinician,
            room=room,
            is_telehealth=is_telehealth,
            join_link=join_link,
            starts_at=start,
            ends_at=end,
            counts_toward_hours=counts_toward_hours,
        )
        session.full_clean()
        sessions.append(session)
    _refuse_clashes(clashes, len(days))
    if series is not None:
        series.save()
        for session in sessions:
            session.series = series
    created = Session.objects.bulk_create(sessions)
    compliance_recompute_sessions_on_commit(session_ids=[session.pk for session in created])
    return created


def _reason(reason: str, field: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({field: "Give a reason."})
    return reason


@transaction.atomic
def session_cancel(*, session: Session, reason: str) -> Session:
    """Cancel a session that nobody has logged. It stays on the calendar (and in feeds) as
    cancelled."""
    reason = _reason(reason, "reason")
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.attendance.exists():
        raise ValidationError("Attendance is already logged for this session.")
    session.status = Session.Status.CANCELLED
    session.cancel_reason = reason
    session.full_clean()
    session.save(update_fields=["status", "cancel_reason"])
    compliance_recompute_sessions_on_commit(session_ids=[session.pk])
    return session


@transaction.atomic
def session_reschedule(*, session: Session, starts_at: datetime, reason: str) -> Session:
    """Move an individual session to a new start, keeping its length; refused on a clash. Group
    sessions follow their group's weekly pattern: change the pattern, or cancel one meeting."""
    reason = _reason(reason, "reason")
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("client", "room")
        .get(pk=session.pk)
    )
    if session.group_id is not None:
        raise ValidationError(
            "Group sessions follow the group's weekly pattern: change the pattern, or cancel "
            "this meeting."
        )
    if session.attendance.exists():
        raise ValidationError("Attendance is already logged for this session.")
    _check_times(starts_at, session.length_minutes)
    _refuse_closed_day(starts_at)
    assert session.client is not None
    _lock_people(session.clinician, session.client, session.room)
    ends_at = starts_at + timedelta(minutes=session.length_minutes)
    problems = _clashes(
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=session.clinician,
        room=session.room,
        client=session.client,
        exclude_ids=[session.pk],
    )
    if problems:
        raise ValidationError({"starts_at": " ".join(problems)})
    compliance_recompute_sessions_on_commit(session_ids=[session.pk])  # the week it leaves
    session.starts_at, session.ends_at = starts_at, ends_at
    session.status, session.cancel_reason = Session.Status.SCHEDULED, ""
    session.reschedule_reason = reason
    session.full_clean()
    session.save(
        update_fields=["starts_at", "ends_at", "status", "cancel_reason", "reschedule_reason"]
    )
    compliance_recompute_sessions_on_commit(session_ids=[session.pk])  # the week it joins
    return session


@transaction.atomic
def sessions_cancel_for_discharge(*, client: Client, discharge_date: date) -> int:
    """Cancel the client's individual sessions after the discharge date; returns how many."""
    after = local_datetime(discharge_date + timedelta(days=1), time.min)
    future = list(
        Session.objects.filter(client=client, starts_at__gte=after, status=Session.Status.SCHEDULED)
    )
    for session in future:
        session_cancel(session=session, reason=DISCHARGE_CANCEL_REASON)
    return len(future)


def _rest_of_series(session: Session) -> list[Session]:
    """The series' sessions from `session` on that are still to come: scheduled, not logged."""
    if session.series_id is None:
        raise ValidationError("This session is not part of a series.")
    return list(
        Session.objects.select_for_update(of=("self",))
        .filter(
            series_id=session.series_id,
            starts_at__gte=session.starts_at,
            status=Session.Status.SCHEDULED,
        )
        .exclude(Exists(Attendance.objects.filter(session=OuterRef("pk"))))
        .select_related("client", "room", "clinician", "series")
        .order_by("starts_at")
    )


@transaction.atomic
def session_series_cancel_rest(*, session: Session, reason: str) -> list[Session]:
    """Cancel this session of a series and every later one still to come, with one reason."""
    reason = _reason(reason, "reason")
    rest = _rest_of_series(session)
    if not rest:
        raise ValidationError("No session of this series is left to cancel.")
    return [session_cancel(session=each, reason=reason) for each in rest]


@transaction.atomic
def session_series_move_rest(
    *, session: Session, first_date: date, start_time: time, reason: str
) -> list[Session]:
    """Move this session of a series and every later one still to come to a new weekday and
    time: the first to `first_date` at `start_time`, the others following at the series'
    interval. Each keeps its length; refused, naming every clashing date, when anything would be
    double-booked, or when the last would fall after the client's expected end of the program."""
    reason = _reason(reason, "reason")
    rest = _rest_of_series(session)
    if not rest:
        raise ValidationError("No session of this series is left to move.")
    series = rest[0].series
    assert series is not None
    assert rest[0].client is not None
    client = rest[0].client
    _lock_people(rest[0].clinician, client, rest[0].room)
    client.refresh_from_db(fields=["status", "admission_date", "expected_length_weeks"])
    days = [first_date + timedelta(days=series.step_days * n) for n in range(len(rest))]
    _check_until(client, days[-1], first_date)
    moving = [each.pk for each in rest]
    clashes = {}
    for each, day in zip(rest, days, strict=True):
        starts_at = local_datetime(day, start_time)
        _check_times(starts_at, each.length_minutes)
        _refuse_closed_day(starts_at)
        if problems := _clashes(
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=each.length_minutes),
            clinician=each.clinician,
            room=each.room,
            client=client,
            exclude_ids=moving,
        ):
            clashes[starts_at] = problems
    _refuse_clashes(clashes, len(days), "first_date")
    compliance_recompute_sessions_on_commit(session_ids=moving)  # the weeks they leave
    for each, day in zip(rest, days, strict=True):
        length = each.length_minutes
        each.starts_at = local_datetime(day, start_time)
        each.ends_at = each.starts_at + timedelta(minutes=length)
        each.reschedule_reason = reason
        each.full_clean()
        each.save(update_fields=["starts_at", "ends_at", "reschedule_reason"])
    if days[-1] > series.until:
        series.until = days[-1]
        series.full_clean()
        series.save(update_fields=["until"])
    compliance_recompute_sessions_on_commit(session_ids=moving)  # the weeks they join
    return rest
