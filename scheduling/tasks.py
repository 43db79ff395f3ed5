"""Celery tasks: thin, ids only (never PHI), each calling a service. The beat jobs are idempotent,
so they acknowledge late and are redelivered if a worker dies mid-run."""

from datetime import date

from celery import shared_task
from django.utils.dateparse import parse_date

from scheduling.services import authorizations, compliance, reminders
from scheduling.services.authorizations import utilization_reviews_update as reviews_update
from scheduling.services.sessions import sessions_materialize

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**IDEMPOTENT)
def group_sessions_materialize() -> None:
    """Daily: keep the next four weeks of group sessions on the calendar."""
    sessions_materialize()


@shared_task(**IDEMPOTENT)
def reminders_plan() -> None:
    reminders.reminders_plan()


@shared_task(**IDEMPOTENT)
def reminders_send_due() -> None:
    reminders.reminders_send_due()


@shared_task(**IDEMPOTENT)
def compliance_recompute_open_weeks() -> None:
    compliance.compliance_recompute_open_weeks()


@shared_task(**IDEMPOTENT)
def compliance_recompute_week(week_start: str) -> None:
    """`week_start` is an ISO date (a Monday)."""
    day = parse_date(week_start)
    if day is None:
        raise ValueError("week_start must be an ISO date")
    compliance.compliance_recompute_week(week_start=day)


@shared_task(**IDEMPOTENT)
def compliance_recompute_client_weeks(client_weeks: list[list]) -> None:
    """Enqueued after commit by every change a client's week depends on: `client_weeks` is a list
    of [client id, ISO date of the week's Monday]."""
    compliance.compliance_recompute(
        client_weeks=[
            (int(client_id), date.fromisoformat(week)) for client_id, week in client_weeks
        ]
    )


@shared_task(**IDEMPOTENT)
def unauthorized_attendance_recompute(client_ids: list[int]) -> None:
    """Enqueued after commit by every change a client's findings of attendance no authorization
    covers depend on: `client_ids` is a list of client ids."""
    authorizations.unauthorized_attendance_recompute(client_ids=[int(pk) for pk in client_ids])


@shared_task(**IDEMPOTENT)
def compliance_nudges_send() -> None:
    compliance.compliance_nudges_send()


@shared_task(**IDEMPOTENT)
def week_close() -> None:
    compliance.week_close()


@shared_task(**IDEMPOTENT)
def utilization_reviews_update() -> None:
    """Daily: the authorizations ending or running out within a week alert their clinicians."""
    reviews_update()
