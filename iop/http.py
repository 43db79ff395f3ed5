"""What views read from a request: its type, and the caller's address.

LoginRequiredMiddleware turns every anonymous request away before a view runs (only the login,
health and calendar-feed views opt out), so a view's `request.user` is always our `User`. Views
annotate their request as `AuthedRequest` and mypy checks them with that promise.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]  # narrower than HttpRequest's: the promise above
    # Set by django-htmx's middleware on every request.
    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind the production proxy, the first X-Forwarded-For hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or None
