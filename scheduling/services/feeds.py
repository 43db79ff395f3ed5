"""Writes of iCal feed tokens. A token is 32 random bytes shown to its owner once per creation;
only its SHA-256 is stored, so a leaked database does not open anyone's feed."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from iop.models import User
from scheduling.models import CalendarFeed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> int:
    """Stop the user's live feed URL from working; returns how many feeds were revoked."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """A new feed URL token for the user; the previous one stops working. Returns the token."""
    User.objects.select_for_update().filter(pk=user.pk).get()
    calendar_feed_revoke(user=user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=user, token_hash=token_hash(token))
    feed.full_clean()
    feed.save()
    return token
