"""Writes for attendance: the attendance sheet of a session, drop-ins, the group summary, and what
an individual session actually was.

Two co-facilitators may save one session's sheet at once. Every save locks the session's row and
checks the version the person loaded: the later save is refused with `AttendanceConflict` (reload
and save again) rather than silently overwriting what the other one saved."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from iop.clock import week_start_of
from iop.dates import check_dates
from iop.models import User
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceAmendment,
    AttendanceStatus,
    DropIn,
    ProgressNote,
    Session,
    SessionLog,
    SessionType,
)
from scheduling.selectors.attendance import (
    attendance_length,
    roster_client_list,
    session_documentable,
)
from scheduling.services.authorizations import unauthorized_attendance_recompute_on_commit
from scheduling.services.compliance import compliance_recompute_on_commit

RELOAD_MESSAGE = (
    "Someone else saved attendance for this session after you opened it. "
    "Reload the page to see their changes, then save yours again."
)


class AttendanceConflict(ValidationError):
    """The sheet changed since the person loaded it. Its code lets a page that shows the refusal
    on a form tell it apart (it answers 409 and offers a reload)."""

    CODE = "stale_sheet"

    def __init__(self) -> None:
        super().__init__(RELOAD_MESSAGE, code=self.CODE)


@dataclass(frozen=True)
class AttendanceEntry:
    client_id: int
    status: str
    minutes_attended: int


def _lock_session(session: Session, actor: User) -> tuple[Session, SessionLog]:
    """Lock the session's row (saves of one session run one at a time) and return its log."""
    locked = (
        Session.objects.select_for_update()
        .annotate(documentable=session_documentable(user=actor))
        .get(pk=session.pk)
    )
    if not locked.documentable:  # type: ignore[attr-defined]  # the annotation above
        raise ValidationError("Only the clinicians who run this session can document it.")
    if locked.status == Session.Status.CANCELLED:
        raise ValidationError("This session was cancelled; there is no attendance to take.")
    log, _ = SessionLog.objects.get_or_create(session=locked)
    return locked, log


def _entry_errors(entry: AttendanceEntry, length: int) -> list[str]:
    if entry.status not in AttendanceStatus.values:
        return ["Choose a status."]
    if entry.minutes_attended < 0:
        return ["Minutes cannot be negative."]
    if entry.minutes_attended > length:
        return [f"At most {length} minutes: the length of the session."]
    if entry.status in ATTENDED_STATUSES and entry.minutes_attended == 0:
        return ["Someone present, late or leaving early attended at least one minute."]
    if entry.status not in ATTENDED_STATUSES and entry.minutes_attended != 0:
        label = AttendanceStatus(entry.status).label
        return [f"{label} means 0 minutes attended."]
    return []


@transaction.atomic
def attendance_record(
    *,
    session: Session,
    actor: User,
    entries: Sequence[AttendanceEntry],
    expected_version: int,
    amendment_reason: str = "",
) -> SessionLog:
    """Save a session's attendance sheet in one go (one upsert, whatever the roster's size).

    Errors are keyed by client id (or `amendment_reason`); nothing is saved unless every row is
    valid. Once a note of the session is signed, changing a row needs a reason, kept as an
    `AttendanceAmendment`."""
    if not entries:
        raise ValidationError("Choose a status for at least one client.")
    locked, log = _lock_session(session, actor)
    if log.attendance_version != expected_version:
        raise AttendanceConflict()
    if locked.starts_at > timezone.now():
        raise ValidationError("This session has not started yet.")
    length = attendance_length(session=locked, log=log)
    roster = set(roster_client_list(session=locked).values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}
    for entry in entries:
        if entry.client_id not in roster:
            errors[str(entry.client_id)] = [
                "This client is not on the roster: add them as a drop-in first."
            ]
        elif problems := _entry_errors(entry, length):
            errors[str(entry.client_id)] = problems
    if len({entry.client_id for entry in entries}) != len(entries):
        errors["__all__"] = ["Each client appears once on the sheet."]
    if errors:
        raise ValidationError(errors)

    before = {row.client_id: row for row in Attendance.objects.filter(session=locked)}
    changed = [
        entry
        for entry in entries
        if entry.client_id not in before
        or (before[entry.client_id].status, before[entry.client_id].minutes_attended)
        != (entry.status, entry.minutes_attended)
    ]
    reason = amendment_reason.strip()
    if changed and ProgressNote.objects.filter(session=locked, signed_at__isnull=False).exists():
        if not reason:
            raise ValidationError(
                {"amendment_reason": ["Notes of this session are signed: give a reason to amend."]}
            )
        amendment = AttendanceAmendment(
            session=locked,
            amended_by=actor,
            reason=reason,
            changes={
                str(entry.client_id): {
                    "before": [
                        before[entry.client_id].status,
                        before[entry.client_id].minutes_attended,
                    ]
                    if entry.client_id in before
                    else None,
                    "after": [entry.status, entry.minutes_attended],
                }
                for entry in changed
            },
        )
        amendment.full_clean()
        amendment.save()

    rows = [
        Attendance(
            session=locked,
            client_id=entry.client_id,
            status=entry.status,
            minutes_attended=entry.minutes_attended,
            session_minutes=length,
            recorded_by=actor,
        )
        for entry in changed
    ]
    for row in rows:
        # Field checks only: the roster check above covers the foreign keys, and the database's
        # constraints back up the rest without a query per row.
        row.full_clean(
            exclude=["session", "client", "recorded_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "client"],
        update_fields=[
            "status",
            "minutes_attended",
            "session_minutes",
            "recorded_by",
            "recorded_at",
        ],
    )
    _audit_attendance(rows, before, actor)
    log.attendance_version += 1
    log.attendance_taken_at = log.attendance_taken_at or timezone.now()
    log.save(update_fields=["attendance_version", "attendance_taken_at"])
    # Weekly hours follow attendance: a worker recomputes the week once this commits.
    week = week_start_of(timezone.localdate(locked.starts_at))
    compliance_recompute_on_commit(client_weeks=[(entry.client_id, week) for entry in changed])
    # So do the findings of attendance no authorization covers.
    unauthorized_attendance_recompute_on_commit(client_ids=[entry.client_id for entry in changed])
    return log


def _audit_attendance(rows: list[Attendance], before: dict[int, Attendance], actor: User) -> None:
    """Bulk upserts send no signals, so write the audit log's entries ourselves, in one insert."""
    content_type = ContentType.objects.get_for_model(Attendance)
    entries = []
    for row in rows:
        old = before.get(row.client_id)
        changes = {
            "status": [old.status if old else None, row.status],
            "minutes_attended": [
                str(old.minutes_attended) if old else None,
                str(row.minutes_attended),
            ],
        }
        entries.append(
            LogEntry(
                content_type=content_type,
                object_pk=str(row.pk),
                object_id=row.pk,
                object_repr=f"Attendance {row.pk}",
                action=LogEntry.Action.UPDATE if old else LogEntry.Action.CREATE,
                changes=changes,
                changes_text="",
                actor=actor,
                timestamp=timezone.now(),
            )
        )
    LogEntry.objects.bulk_create(entries)


@transaction.atomic
def drop_in_add(*, session: Session, client: Client, actor: User) -> DropIn:
    """Put a client who is not on the roster on this group session's attendance sheet."""
    locked, _ = _lock_session(session, actor)
    if locked.group_id is None:
        raise ValidationError({"client": ["Only group sessions take drop-ins."]})
    if client.status != Client.Status.ACTIVE:
        raise ValidationError({"client": ["Only clients admitted to the program can drop in."]})
    if roster_client_list(session=locked).filter(pk=client.pk).exists():
        raise ValidationError({"client": ["This client is already on the roster."]})
    drop_in = DropIn(session=locked, client=client, added_by=actor)
    drop_in.full_clean()
    drop_in.save()
    return drop_in


@transaction.atomic
def session_summary_update(
    *, session: Session, actor: User, topic: str, interventions: str
) -> SessionLog:
    """The group summary every client's note of this session shares."""
    _, log = _lock_session(session, actor)
    log.topic = topic.strip()
    log.interventions = interventions.strip()
    log.full_clean()
    log.save(update_fields=["topic", "interventions"])
    return log


@transaction.atomic
def individual_session_log(
    *,
    session: Session,
    actor: User,
    session_type: str,
    held_starts_at: datetime,
    held_ends_at: datetime,
    status: str,
    minutes_attended: int,
    expected_version: int,
    amendment_reason: str = "",
) -> SessionLog:
    """What an individual session actually was: its type, when it really started and ended, and
    the client's attendance (minutes up to the time actually held)."""
    locked, log = _lock_session(session, actor)
    if locked.group_id is not None:
        raise ValidationError("A group session is logged on its attendance sheet.")
    if session_type == SessionType.GROUP or session_type not in SessionType.values:
        raise ValidationError({"session_type": ["Choose the kind of individual session held."]})
    check_dates(held_starts_at=held_starts_at, held_ends_at=held_ends_at)
    if held_ends_at <= held_starts_at:
        raise ValidationError({"held_ends_at": ["The end must be after the start."]})
    if held_ends_at > timezone.now():
        raise ValidationError({"held_ends_at": ["The end cannot be in the future."]})
    if locked.session_type != session_type:
        locked.session_type = session_type
        locked.full_clean()
        locked.save(update_fields=["session_type"])
    log.held_starts_at, log.held_ends_at = held_starts_at, held_ends_at
    log.full_clean()
    log.save(update_fields=["held_starts_at", "held_ends_at"])
    return attendance_record(
        session=locked,
        actor=actor,
        entries=[AttendanceEntry(locked.client_id or 0, status, minutes_attended)],
        expected_version=expected_version,
        amendment_reason=amendment_reason,
    )
