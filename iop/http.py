"""The request type views receive.

LoginRequiredMiddleware turns every anonymous request away before a view runs (only the login,
health and calendar-feed views opt out), so a view's `request.user` is always our `User`. Views
annotate their request as `AuthedRequest` and mypy checks them with that promise.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    # Set by django-htmx's middleware on every request.
    htmx: HtmxDetails
