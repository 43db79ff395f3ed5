"""Reads for calendar feeds: which sessions a person's feed carries, and whether they have a live
feed."""

from datetime import timedelta

from django.utils import timezone

from clients.access import access_own_client
from iop.models import Role, User
from scheduling.models import CalendarFeed, Session
from scheduling.selectors.sessions import (
    client_session_list,
    clinician_session_list,
    session_between,
)

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 90


def feed_session_list(*, user: User) -> list[Session]:
    """A client's own sessions, or the sessions a clinician leads, from a month back to three
    months ahead: enough for a phone calendar, little enough to serve on every poll."""
    today = timezone.localdate()
    first, last = today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS)
    if user.role == Role.CLIENT:
        client = access_own_client(user=user)
        return list(client_session_list(client=client, first=first, last=last))
    sessions = clinician_session_list(clinician=user)
    return list(session_between(sessions=sessions, first=first, last=last))


def calendar_feed_is_live(*, user: User) -> bool:
    """Whether the person has a feed link that works: the page offers to revoke it."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).exists()
