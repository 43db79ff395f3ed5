"""Celery tasks of the client record: thin, no arguments carrying PHI, each calling a service."""

from celery import shared_task

from .services.emergency_access import emergency_access_digest_send


@shared_task  # at most once: a digest is not worth sending twice
def emergency_access_digest() -> None:
    """Weekly: the admins' digest of break-the-glass grants (counts and a link only)."""
    emergency_access_digest_send()
