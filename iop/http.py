"""What views read from a request: its type, and the caller's address.

LoginRequiredMiddleware turns every anonymous request away before a view runs (only the login,
health and calendar-feed views opt out), so a view's `request.user` is always our `User`. Views
annotate their request as `AuthedRequest` and mypy checks them with that promise.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]  # narrower than HttpRequest's: the promise above
    # Set by django-htmx's middleware on every request.
    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str | None:
    """Where a request came from, for the audit log and the login lockout alike.

    Only proxies we run can be believed: with `TRUSTED_PROXY_COUNT` = N, the last N addresses of
    X-Forwarded-For were appended by our proxies, and the address the outermost one saw is the one
    N places from the right. Anything to its left was written by the caller and may be forged, and
    with no trusted proxy the header is ignored altogether.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= count and _is_address(hops[-count]):
            return hops[-count]
    remote = request.META.get("REMOTE_ADDR", "")
    return remote if _is_address(remote) else None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
