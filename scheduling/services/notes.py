"""Writes for progress notes: drafts, signing (which locks the note for good) and addenda.

A signed note never changes: these services refuse it, and a database trigger refuses even a raw
UPDATE or DELETE. Corrections are addenda, signed when added."""

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from iop.models import User
from scheduling.models import ATTENDED_STATUSES, Attendance, NoteAddendum, ProgressNote, Session
from scheduling.selectors.attendance import session_is_documentable_by, session_log_get
from scheduling.selectors.notes import (
    LOCKED_MESSAGE,
    addressable_objective_list,
    note_edit_refusal,
    note_sign_check,
)


@transaction.atomic
def note_save(
    *,
    session: Session,
    client: Client,
    actor: User,
    data: str,
    assessment: str,
    plan: str,
    objective_ids: Collection[int],
    sign: bool = False,
) -> ProgressNote:
    """Create or update the draft note of `client` for `session`, addressing exactly the objectives
    `objective_ids` of the client's active treatment plan; with `sign`, sign it too. Only the
    clinicians who run the session write its notes, only for clients who attended, and a draft
    stays its author's. Saving and signing are one transaction: a refused signature leaves the
    note as it was before, so nothing half-done is stored."""
    note = ProgressNote.objects.select_for_update().filter(session=session, client=client).first()
    if refusal := note_edit_refusal(session=session, note=note, user=actor):
        raise ValidationError(refusal)
    attended = Attendance.objects.filter(
        session=session, client=client, status__in=ATTENDED_STATUSES
    ).exists()
    if not attended:
        raise ValidationError("Record this client as present, late or left early first.")
    if note is None:
        note = ProgressNote(session=session, client=client, author=actor)
    wanted = set(objective_ids)
    objectives = list(addressable_objective_list(client=client).filter(pk__in=wanted))
    if len(objectives) != len(wanted):
        raise ValidationError(
            {"objectives": ["Choose only objectives of this client's active treatment plan."]}
        )
    note.data, note.assessment, note.plan = data.strip(), assessment.strip(), plan.strip()
    note.full_clean()
    note.save()
    note.objectives.set(objectives)
    return note_sign(note=note, actor=actor) if sign else note


@transaction.atomic
def note_sign(*, note: ProgressNote, actor: User) -> ProgressNote:
    """Sign and lock a complete draft. A group note takes the session's group summary as it stands
    now, so the signed note reads exactly as it was signed."""
    note = ProgressNote.objects.select_for_update().select_related("session").get(pk=note.pk)
    if note.is_signed:
        raise ValidationError(LOCKED_MESSAGE)
    if note.author_id != actor.pk:
        raise ValidationError("Only the note's author can sign it.")
    note_sign_check(note=note)
    if note.session.group_id is not None:
        log = session_log_get(session=note.session)
        note.group_topic, note.group_interventions = log.topic, log.interventions
    note.signed_by, note.signed_at = actor, timezone.now()
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def note_addendum_add(*, note: ProgressNote, actor: User, text: str) -> NoteAddendum:
    """Add a signed addendum to a signed note (a draft is simply edited)."""
    note = ProgressNote.objects.select_related("session").get(pk=note.pk)
    if not note.is_signed:
        raise ValidationError("This note is still a draft: edit it instead.")
    if not session_is_documentable_by(session=note.session, user=actor):
        raise ValidationError("Only the clinicians who run this session can add to its notes.")
    if not text.strip():
        raise ValidationError({"text": ["Write the addendum."]})
    addendum = NoteAddendum(note=note, author=actor, text=text.strip(), signed_at=timezone.now())
    addendum.full_clean()
    addendum.save()
    return addendum
