"""Celery tasks of the client record: thin, no arguments carrying PHI, each calling a service."""

from celery import shared_task

from .services.emergency_access import emergency_access_digest_send
from .services.measures import checkins_open_due as checkins_open_due_service

# Safe late or twice (one check-in per client, instrument and day): redelivered if a worker dies.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task  # at most once: a digest is not worth sending twice
def emergency_access_digest() -> None:
    """Weekly: the admins' digest of break-the-glass grants (counts and a link only)."""
    emergency_access_digest_send()


@shared_task(**IDEMPOTENT)
def checkins_open_due() -> None:
    """Daily: open the check-ins due today under each track's schedule."""
    checkins_open_due_service()
