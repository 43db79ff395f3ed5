"""Headers every page the app renders carries (static files are served before this runs), and the
second factor staff give before any page."""

import time
from collections.abc import Callable

import auditlog.middleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .http import client_ip
from .models import User
from .second_factor import authenticator_get, is_verified, second_factor_required

# The app uses none of these; a page that someone manages to inject into gets none either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Pages hold health information: no browser or proxy may keep a copy (`no-store`), so the
    back button on a shared computer after logging out shows nothing."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        add_never_cache_headers(response)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


# The idle logoff clock restarts on a request at most this often: a session saved on every request
# was a database write, and a commit waiting on the disk, on every page view.
IDLE_CLOCK_RESOLUTION_SECONDS = 60
_IDLE_CLOCK_KEY = "idle_clock_restarted_at"


def idle_clock_start(*, request: HttpRequest | None, **kwargs: object) -> None:
    """The idle clock starts at login, saved with the session the login saves anyway
    (connected to `user_logged_in` in IopConfig.ready)."""
    if request is not None:
        request.session[_IDLE_CLOCK_KEY] = int(time.time())


def idle_clock(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Idle logoff: a signed-in session expires SESSION_COOKIE_AGE after it was last saved, and
    activity saves it again once IDLE_CLOCK_RESOLUTION_SECONDS have passed. So it ends at most
    SESSION_IDLE_MINUTES after the last request (up to a minute sooner), never later."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        session = request.session
        now = int(time.time())
        if not session.is_empty() and (
            now - session.get(_IDLE_CLOCK_KEY, 0) >= IDLE_CLOCK_RESOLUTION_SECONDS
        ):
            session[_IDLE_CLOCK_KEY] = now
        return response

    return middleware


class SecondFactorMiddleware:
    """Staff who must give a second factor (`second_factor_required`) open no page until they have
    this session: with an authenticator app they are sent to enter its code, without one to enrol
    it. Pages open to anyone, logging out and the second-factor pages themselves stay open; so a
    password alone, however it was set (a reset, an invitation), never reaches a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: object, kwargs: object
    ) -> HttpResponse | None:
        user = request.user
        if (
            not isinstance(user, User)
            or not getattr(view, "login_required", True)
            or not getattr(view, "second_factor_required", True)
            or (request.resolver_match and request.resolver_match.url_name == "logout")
            or not second_factor_required(user)
            or is_verified(request)
        ):
            return None
        to = "second-factor-verify" if authenticator_get(user=user) else "second-factor-enrol"
        return redirect_to_login(request.get_full_path(), reverse(to))


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """django-auditlog's, with the caller's address from `iop.http.client_ip` (our trusted
    proxies, as for chart reads and the login lockout): auditlog's own believes the left-most
    X-Forwarded-For, which any caller can write. The port is not kept: X-Forwarded-Port is the
    caller's word too."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None
