"""Role decorators. Every view needs a login (LoginRequiredMiddleware); these add the role check.

A wrong role gets 403. An object the user may not see gets 404 from the app's access helpers
(`clients.access.access_client`, `groups.access.access_group`), so nobody learns that it exists.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Role

View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN)
staff_required = role_required(Role.ADMIN, Role.CLINICIAN)
client_required = role_required(Role.CLIENT)
