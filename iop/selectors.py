from datetime import timedelta

from auditlog.models import LogEntry
from django.db import connection
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import ChartRead, Role, User, WorkerHeartbeat

# Beat runs the heartbeat every minute; three missed beats mean no worker is taking tasks.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def record_change_list() -> QuerySet[LogEntry]:
    """Every audited change of a record (django-auditlog), newest first."""
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")


def chart_read_list() -> QuerySet[ChartRead]:
    """Every recorded read of a chart, newest first."""
    return ChartRead.objects.select_related("user").order_by("-at")


def worker_heartbeat_latest() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-seen_at").first()


def worker_is_alive() -> bool:
    heartbeat = worker_heartbeat_latest()
    return heartbeat is not None and timezone.now() - heartbeat.seen_at < HEARTBEAT_STALE_AFTER


def database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def broker_answers() -> None:
    from .celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def staff_list() -> QuerySet[User]:
    """Admins and clinicians, active ones first."""
    return User.objects.exclude(role=Role.CLIENT).order_by("-is_active", "last_name", "first_name")


def admin_email_list() -> list[str]:
    """Where mail for the clinic's admins goes: the active admins that have an address."""
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(email="")
    return list(admins.values_list("email", flat=True))


def staff_get(*, pk: int) -> User:
    """One admin or clinician, or 404: a client's login is not managed from the staff page."""
    return get_object_or_404(staff_list(), pk=pk)
