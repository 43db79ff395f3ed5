"""Writes of the `iop` app: users, chart-read audit, worker heartbeats."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .http import client_ip
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
def staff_invite(*, username: str, role: str, first_name: str, last_name: str, email: str) -> User:
    """Create a staff login without a password and mail them a link to choose one."""
    if role not in (Role.ADMIN, Role.CLINICIAN):
        raise ValidationError({"role": "Staff are admins or clinicians."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Another account already uses this address."})
    user = user_create(
        username=username, role=role, first_name=first_name, last_name=last_name, email=email
    )
    transaction.on_commit(lambda: password_set_link_send(user=user))
    return user


def password_set_link_send(*, user: User) -> None:
    """Mail a one-time link to set a password (the password-reset flow, worded for a new account)."""
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "clinic_name": settings.CLINIC_NAME,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("emails/account_invite_subject.txt", context).strip()
    body = render_to_string("emails/account_invite.txt", context)
    send_mail(subject, body, None, [user.email])


@transaction.atomic
def user_set_active(*, user: User, is_active: bool, by: User) -> User:
    if user == by and not is_active:
        raise ValidationError("You cannot deactivate your own account.")
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def chart_reads_record(
    *, request: HttpRequest, client_ids: list[int], what: str
) -> list[ChartRead]:
    """One read per client shown together (a session's roster), in one insert."""
    assert isinstance(request.user, User)
    user, path, ip_address = request.user, request.get_full_path()[:500], client_ip(request)
    return ChartRead.objects.bulk_create(
        ChartRead(user=user, client_id=client_id, path=path, ip_address=ip_address, what=what)
        for client_id in client_ids
    )
