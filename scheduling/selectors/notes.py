"""Reads for progress notes: the treatment plan objectives a note may address, a note with
everything its page shows, and whether a note could be signed as it stands."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from clients.models import Client, Objective, TreatmentPlan
from iop.models import User
from iop.statements import Slot, Statement
from scheduling.models import ProgressNote, Session
from scheduling.selectors.attendance import session_is_documentable_by, session_log_get

LOCKED_MESSAGE = "This note is signed and locked. Add an addendum to correct or add to it."


def addressable_objective_list(*, client: Client) -> QuerySet[Objective]:
    """The objectives of the client's active treatment plan, with their goal and problem, in the
    plan's order."""
    return (
        Objective.objects.filter(
            goal__problem__plan__client=client,
            goal__problem__plan__status=TreatmentPlan.Status.ACTIVE,
        )
        .select_related("goal__problem")
        .order_by("goal__problem_id", "goal_id", "target_date", "pk")
    )


def note_get(*, session: Session, client: Client) -> ProgressNote | None:
    """The client's note for the session with its signers, addenda and addressed objectives."""
    return (
        ProgressNote.objects.filter(session=session, client=client)
        .select_related("author", "signed_by")
        .prefetch_related(
            "addenda__author",
            Prefetch(
                "objectives",
                queryset=Objective.objects.select_related("goal__problem").order_by(
                    "goal__problem_id", "goal_id", "target_date", "pk"
                ),
            ),
        )
        .first()
    )


def recent_note_list(*, client: Client, limit: int = 5) -> list[ProgressNote]:
    """The client's latest notes for the chart, newest session first: a statement compiled
    once."""
    return _RECENT_NOTES.run({"limit": limit}, client=client.pk)


_RECENT_NOTES: Statement[ProgressNote] = Statement(
    lambda limit: (
        ProgressNote.objects.filter(client_id=Slot("client"))
        .select_related("session__group", "author")
        .order_by("-session__starts_at")[:limit]
    )
)


def note_edit_refusal(*, session: Session, note: ProgressNote | None, user: User) -> str | None:
    """Why `user` may not write this draft (`note`, or None before there is one), or None when
    they may: the note page offers the form only when `note_save` would accept it."""
    if not session_is_documentable_by(session=session, user=user):
        return "Only the clinicians who run this session can write its notes."
    if note is not None and note.is_signed:
        return LOCKED_MESSAGE
    if note is not None and note.author_id != user.pk:
        return f"This draft is {note.author}'s; only its author edits it."
    return None


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
    if (
        note.session.group_id is not None
        and not session_log_get(session=note.session).topic.strip()
    ):
        missing["group_topic"] = [TOPIC_MISSING]
    if missing:
        raise ValidationError(missing)
