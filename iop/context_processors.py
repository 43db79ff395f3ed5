from typing import Any

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout shows: the clinic's name (only behind the login) and when an idle
    session ends."""
    return {"clinic_name": settings.CLINIC_NAME, "idle_minutes": settings.SESSION_IDLE_MINUTES}
