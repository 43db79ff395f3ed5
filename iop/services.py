"""Writes of the `iop` app: users, chart-read audit, worker heartbeats."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import ChartRead, Role, User, WorkerHeartbeat


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """Create a login. Admins also get Django admin access; a user without a password cannot log in
    until they set one through password reset."""
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password) if password else user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind the production proxy, the first X-Forwarded-For hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def chart_read_record(*, request: HttpRequest, client_id: int, what: str) -> ChartRead:
    assert isinstance(request.user, User)
    return ChartRead.objects.create(
        user=request.user,
        client_id=client_id,
        path=request.get_full_path()[:500],
        ip_address=client_ip(request),
        what=what,
    )


@transaction.atomic
def worker_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker=worker, defaults={"seen_at": timezone.now()}
    )
    return heartbeat


@transaction.atomic
def chart_reads_record(*, request: HttpRequest, client_ids: list[int], what: str) -> int:
    """One read per client shown on a list or export, in one statement."""
    assert isinstance(request.user, User)
    path, ip_address = request.get_full_path()[:500], client_ip(request)
    reads = ChartRead.objects.bulk_create(
        ChartRead(user=request.user, client_id=pk, path=path, ip_address=ip_address, what=what)
        for pk in client_ids
    )
    return len(reads)
