"""Writes of iCal feed tokens: a new one for its owner (shown once, stored as a hash, see
`scheduling.feed_tokens`), or none."""

import secrets

from django.db import transaction
from django.utils import timezone

from iop.models import User
from scheduling.feed_tokens import token_hash
from scheduling.models import CalendarFeed


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> int:
    """Stop the person's own live feed URL from working (only its owner manages a feed); returns how
    many feeds were revoked."""
    return CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def calendar_feed_create(*, actor: User) -> str:
    """A new feed URL token for the person's own calendar; the previous one stops working. Returns
    the token."""
    User.objects.select_for_update().filter(pk=actor.pk).get()
    calendar_feed_revoke(actor=actor)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=actor, token_hash=token_hash(token))
    feed.full_clean()
    feed.save()
    return token
