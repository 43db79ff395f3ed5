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
from scheduling.selectors.attendance import may_document, session_log
from scheduling.selectors.notes import addressable_objectives

LOCKED_MESSAGE = "This note is signed and locked. Add an addendum to correct or add to it."


@transaction.atomic
def note_save(
    *,
    session: Session,
    client: Client,
    author: User,
    data: str,
    assessment: str,
    plan: str,
    objective_ids: Collection[int],
) -> ProgressNote:
    """Create or update the draft note of `client` for `session`, addressing exactly the objectives
    `objective_ids` of the client's active treatment plan. Only the clinicians who run the session
    write its notes, only for clients who attended, and a draft stays its author's."""
    if not may_document(author, session):
        raise ValidationError("Only the clinicians who run this session can write its notes.")
    attended = Attendance.objects.filter(
        session=session, client=client, status__in=ATTENDED_STATUSES
    ).exists()
    if not attended:
        raise ValidationError("Record this client as present, late or left early first.")
    note = ProgressNote.objects.select_for_update().filter(session=session, client=client).first()
    if note is None:
        note = ProgressNote(session=session, client=client, author=author)
    elif note.is_signed:
        raise ValidationError(LOCKED_MESSAGE)
    elif note.author_id != author.pk:
        raise ValidationError(f"This draft is {note.author}'s; only its author edits it.")
    wanted = set(objective_ids)
    objectives = list(addressable_objectives(client).filter(pk__in=wanted))
    if len(objectives) != len(wanted):
        raise ValidationError(
            {"objectives": ["Choose only objectives of this client's active treatment plan."]}
        )
    note.data, note.assessment, note.plan = data.strip(), assessment.strip(), plan.strip()
    note.full_clean()
    note.save()
    note.objectives.set(objectives)
    return note


TOPIC_MISSING = "Write the group's topic on the session page before signing."


def note_sign_check(*, note: ProgressNote) -> None:
    """Refuse, changing nothing, a note (saved or not) that could not be signed as it stands:
    each empty DAP field, and for a group note a session without a topic (the signed note
    carries it), gets its own error."""
    missing = {
        field: ["Fill this in before signing."]
        for field in ("data", "assessment", "plan")
        if not getattr(note, field).strip()
    }
    if note.session.group_id is not None and not session_log(note.session).topic.strip():
        missing["group_topic"] = [TOPIC_MISSING]
    if missing:
        raise ValidationError(missing)


@transaction.atomic
def note_sign(*, note: ProgressNote, user: User) -> ProgressNote:
    """Sign and lock a complete draft. A group note takes the session's group summary as it stands
    now, so the signed note reads exactly as it was signed."""
    note = ProgressNote.objects.select_for_update().select_related("session").get(pk=note.pk)
    if note.is_signed:
        raise ValidationError(LOCKED_MESSAGE)
    if note.author_id != user.pk:
        raise ValidationError("Only the note's author can sign it.")
    note_sign_check(note=note)
    if note.session.group_id is not None:
        log = session_log(note.session)
        note.group_topic, note.group_interventions = log.topic, log.interventions
    note.signed_by, note.signed_at = user, timezone.now()
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def note_addendum_add(*, note: ProgressNote, author: User, text: str) -> NoteAddendum:
    """Add a signed addendum to a signed note (a draft is simply edited)."""
    note = ProgressNote.objects.select_related("session").get(pk=note.pk)
    if not note.is_signed:
        raise ValidationError("This note is still a draft: edit it instead.")
    if not may_document(author, note.session):
        raise ValidationError("Only the clinicians who run this session can add to its notes.")
    if not text.strip():
        raise ValidationError({"text": ["Write the addendum."]})
    addendum = NoteAddendum(note=note, author=author, text=text.strip(), signed_at=timezone.now())
    addendum.full_clean()
    addendum.save()
    return addendum
