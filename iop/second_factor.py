"""Staff two-factor: who must give a second factor, their devices, and the enrolment QR code.

Staff sign in with a password, then a code from an authenticator app (TOTP, django-otp) or one of
their one-time recovery codes. `iop.middleware.SecondFactorMiddleware` keeps them from every other
page until they have, this session; the writes are in `iop.services`.
"""

from base64 import b32encode
from binascii import unhexlify
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import qrcode
from django.conf import settings
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from .models import Role, User

if TYPE_CHECKING:
    from django.test import Client

View = TypeVar("View", bound=Callable)

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"


def second_factor_required(user: User) -> bool:
    """Admins always; clinicians unless OTP_REQUIRED_FOR_CLINICIANS is off; clients never."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.CLINICIAN and settings.OTP_REQUIRED_FOR_CLINICIANS


def is_verified(request: HttpRequest) -> bool:
    """Whether this session's user gave a second factor (django-otp's OTPMiddleware says so)."""
    return getattr(request.user, "otp_device", None) is not None


def second_factor_not_required(view: View) -> View:
    """Mark a view a staff member without a second factor yet may open: entering or enrolling
    one."""
    view.second_factor_required = False  # type: ignore[attr-defined]
    return view


def authenticator_get(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they enrolled one."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def authenticator_setup(*, user: User, key: str) -> tuple[str, str]:
    """What an authenticator app needs to take on `key` (hex): a QR code as inline SVG, drawn here
    (no image library, nothing from elsewhere), and the same secret as text to type in, in groups
    of four."""
    device = TOTPDevice(user=user, key=key, name=AUTHENTICATOR_NAME)
    svg = qrcode.make(device.config_url, image_factory=SvgPathImage).to_string(encoding="unicode")
    secret = b32encode(unhexlify(key)).decode()
    return svg, " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def mark_verified(browser: "Client", device: Device) -> None:
    """Give Django's test client, logged in with `force_login`, `device` as this session's second
    factor: for tests and `make bench`, which skip the login pages."""
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
