from celery import shared_task

from .services.sessions import sessions_materialize


@shared_task
def group_sessions_materialize() -> None:
    """Daily: keep the next four weeks of group sessions on the calendar."""
    sessions_materialize()
