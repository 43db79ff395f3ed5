"""Headers every page the app renders carries (static files are served before this runs)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

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
