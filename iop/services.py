"""Writes of the `iop` app: users, chart-read audit, worker heartbeats."""

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .http import client_ip
from .models import ChartRead, Role, User, WorkerHeartbeat
from .second_factor import AUTHENTICATOR_NAME, RECOVERY_CODES_NAME

RECOVERY_CODE_COUNT = 10


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
    """Create a login; a user without a password cannot log in until they set one through password
    reset. Nobody made here opens Django's admin site: that is the superuser's (createsuperuser)."""
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    user.set_password(password) if password else user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def chart_read_record(*, request: HttpRequest, client_id: int, what: str) -> ChartRead:
    """A page showing one client's records."""
    read = chart_reads_record(request=request, client_ids=[client_id], what=what)
    assert read is not None
    return read


@transaction.atomic
def chart_reads_record(
    *,
    request: HttpRequest,
    client_ids: list[int],
    what: str,
    action: str = ChartRead.Action.READ,
) -> ChartRead | None:
    """One page view (or export, `action`) that showed these clients: one row naming them all;
    none when it showed no client (an empty roster or report)."""
    assert isinstance(request.user, User)
    if not client_ids:
        return None
    return ChartRead.objects.create(
        user=request.user,
        client_ids=sorted(set(client_ids)),
        path=request.get_full_path()[:500],
        ip_address=client_ip(request),
        what=what,
        action=action,
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
def user_set_active(*, user: User, is_active: bool, actor: User) -> User:
    """Let a staff member log in again, or no longer; the admin acting cannot lock themselves
    out."""
    if user == actor and not is_active:
        raise ValidationError("You cannot deactivate your own account.")
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def totp_device_confirm(*, actor: User, key: str, code: str) -> TOTPDevice:
    """Enrol the authenticator app holding `key` (hex), once it shows the right code; it replaces
    the actor's previous one. The code cannot be used again to sign in."""
    device = TOTPDevice(user=actor, name=AUTHENTICATOR_NAME, key=key, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not (code.isdigit() and totp.verify(int(code), device.tolerance)):
        raise ValidationError(
            {"code": "That is not the code the app shows. Check the app's clock, and try again."}
        )
    device.last_t = totp.t()
    TOTPDevice.objects.filter(user=actor).delete()
    device.save()
    return device


@transaction.atomic
def recovery_codes_create(*, actor: User) -> list[str]:
    """New one-time recovery codes for when the phone is lost; the ones left before stop working.
    They are shown once, to the actor only."""
    device, _ = StaticDevice.objects.get_or_create(
        user=actor, name=RECOVERY_CODES_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, request: HttpRequest, actor: User, code: str) -> Device:
    """Mark this session as having a second factor: a code from the actor's authenticator app (six
    digits) or one of their recovery codes, which is then used up. A wrong code is a failed login
    to django-axes, which locks the account after enough of them; django-otp also makes each
    further try wait longer. Not atomic as a whole: the failure must be kept."""
    code = code.replace(" ", "").lower()
    kind = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    with transaction.atomic():
        device = next(
            (
                device
                for device in kind.objects.devices_for_user(actor, confirmed=True)
                .select_for_update()
                .order_by("pk")
                if device.verify_token(code)
            ),
            None,
        )
    if device is None:
        user_login_failed.send(
            sender=__name__, credentials={"username": actor.get_username()}, request=request
        )
        raise ValidationError({"code": "That code is not right, or was used already."})
    otp_login(request, device)
    return device
