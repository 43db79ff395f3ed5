"""Reads for progress notes: the treatment plan objectives a note may address, and a note with
everything its page shows."""

from django.db.models import Prefetch, QuerySet

from clients.models import Client, Objective, TreatmentPlan
from scheduling.models import ProgressNote, Session


def addressable_objectives(client: Client) -> QuerySet[Objective]:
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


def note_for_page(session: Session, client: Client) -> ProgressNote | None:
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


def recent_notes(client: Client, limit: int = 5) -> QuerySet[ProgressNote]:
    return (
        ProgressNote.objects.filter(client=client)
        .select_related("session__group", "author")
        .order_by("-session__starts_at")[:limit]
    )
