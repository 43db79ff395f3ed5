"""iCal feeds (RFC 5545) for phone calendars, at a revocable token URL. Events say "Appointment"
with a time and place only: a calendar on a phone must not reveal that someone is in treatment."""

from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from clients.selectors import own_client_record
from iop.access import role_required
from iop.models import Role, User
from scheduling.models import CalendarFeed, Session
from scheduling.selectors import sessions as selectors
from scheduling.services.feeds import calendar_feed_create, calendar_feed_revoke, token_hash

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 90
EVENT_TITLE = "Appointment"


def _place(session: Session) -> str:
    if session.is_telehealth or session.room is None:
        return "Telehealth"
    return ", ".join(part for part in (session.room.name, session.room.location) if part)


def feed_sessions(user: User) -> list[Session]:
    today = timezone.localdate()
    first, last = today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS)
    if user.role == Role.CLIENT:
        client = own_client_record(user)
        return list(selectors.client_schedule(client, first=first, last=last))
    return list(selectors.between(selectors.clinician_sessions(user), first, last))


def calendar_for(user: User, host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Appointments//Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Appointments")
    for session in feed_sessions(user):
        event = Event()
        # The session id never changes, so a moved or cancelled session updates the same event.
        event.add("uid", f"session-{session.pk}@{host}")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", EVENT_TITLE)
        event.add("location", _place(session))
        cancelled = session.status == Session.Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed of the token's owner; an unknown or revoked token is a 404."""
    try:
        owner = CalendarFeed.objects.select_related("user").get(
            token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True
        )
    except CalendarFeed.DoesNotExist:
        raise Http404("No such calendar.") from None
    response = HttpResponse(
        calendar_for(owner.user, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response


@role_required(Role.CLIENT, Role.CLINICIAN)
def feed_settings(request: HttpRequest) -> HttpResponse:
    """Create, replace or revoke the user's calendar link. The link is shown once, when made."""
    feed_url = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        calendar_feed_revoke(user=request.user)
    elif request.method == "POST":
        token = calendar_feed_create(user=request.user)
        feed_url = request.build_absolute_uri(reverse("scheduling:feed", args=[token]))
    has_feed = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).exists()
    return render(
        request,
        "scheduling/feed_settings.html",
        {"feed_url": feed_url, "has_feed": has_feed},
    )
