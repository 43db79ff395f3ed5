"""Break-the-glass: a clinician opens a client outside their reach for a typed reason, for a
limited time; admins review every grant (their dashboard, and a weekly digest by email)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from iop.models import User
from iop.selectors import admin_email_list

from .. import selectors
from ..models import Client, EmergencyAccess

# A reason is a sentence someone reviewing it can judge ("covering for Dana, client in crisis
# at the front desk"), not "x" or "emergency".
MINIMUM_REASON_WORDS = 4
DIGEST_PERIOD = timedelta(weeks=1)


@transaction.atomic
def emergency_access_open(*, actor: User, client: Client, reason: str) -> EmergencyAccess:
    """Open `client` to `actor` for `EMERGENCY_ACCESS_HOURS`. Only clinicians break the glass
    (admins reach every client already), and only for a client outside their reach."""
    if not actor.is_clinician:
        raise ValidationError("Only clinicians request emergency access.")
    reason = " ".join(reason.split())
    if len(reason.split()) < MINIMUM_REASON_WORDS:
        raise ValidationError(
            {"reason": f"Say why in at least {MINIMUM_REASON_WORDS} words: it is reviewed."}
        )
    if selectors.client_list(user=actor, among=[client.pk]).exists():
        raise ValidationError("You can open this client already: find them under Clients.")
    started_at = timezone.now()
    grant = EmergencyAccess(
        user=actor,
        client=client,
        reason=reason,
        started_at=started_at,
        ends_at=started_at + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )
    grant.full_clean()
    grant.save()
    return grant


def emergency_access_digest_send(*, now: datetime | None = None) -> int:
    """Mail every active admin how many grants were opened in the past week, by how many
    clinicians for how many clients, with a link to review them. No names, no reasons: an email
    leaves the system. Returns the number of grants counted."""
    now = now or timezone.now()
    counts = selectors.emergency_access_counts(since=now - DIGEST_PERIOD, until=now)
    context = {**counts, "review_url": settings.SITE_URL + reverse("iop:dashboard")}
    recipients = admin_email_list()
    if recipients:
        send_mail(
            "Weekly review of emergency access",
            render_to_string("emails/emergency_access_digest.txt", context),
            None,
            recipients,
        )
    return counts["grant_count"]
