"""iCal feeds (RFC 5545) for phone calendars, at a revocable token URL. Events say "Appointment"
with a time and place only: a calendar on a phone must not reveal that someone is in treatment."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from iop.access import role_required
from iop.http import AuthedRequest
from iop.models import Role, User
from scheduling.access import access_calendar_feed
from scheduling.models import Session
from scheduling.selectors.feeds import calendar_feed_is_live, feed_session_list
from scheduling.services.feeds import calendar_feed_create, calendar_feed_revoke
from scheduling.views import form_methods

EVENT_TITLE = "Appointment"


def calendar_for(user: User, host: str) -> bytes:
    """The user's feed as iCal: one event per session, named only "Appointment"."""
    calendar = Calendar()
    calendar.add("prodid", "-//Appointments//Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Appointments")
    for session in feed_session_list(user=user):
        event = Event()
        # The session id never changes, so a moved or cancelled session updates the same event.
        event.add("uid", f"session-{session.pk}@{host}")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", EVENT_TITLE)
        event.add("location", session.place)
        cancelled = session.status == Session.Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed of the token's owner; an unknown or revoked token is a 404."""
    owner = access_calendar_feed(token=token).user
    response = HttpResponse(
        calendar_for(owner, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response


@role_required(Role.CLIENT, Role.CLINICIAN)
@form_methods
def feed_settings(request: AuthedRequest) -> HttpResponse:
    """Create, replace or revoke the user's calendar link. The link is shown once, when made, with
    a webcal:// twin that opens the phone's calendar app to subscribe."""
    feed_url = webcal_url = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        calendar_feed_revoke(actor=request.user)
    elif request.method == "POST":
        token = calendar_feed_create(actor=request.user)
        feed_url = request.build_absolute_uri(reverse("scheduling:feed", args=[token]))
        webcal_url = "webcal://" + feed_url.partition("://")[2]
    return render(
        request,
        "scheduling/feed_settings.html",
        {
            "feed_url": feed_url,
            "webcal_url": webcal_url,
            "has_feed": calendar_feed_is_live(user=request.user),
        },
    )
