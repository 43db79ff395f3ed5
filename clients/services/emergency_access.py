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

from iop.models import Role, User

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
    if Client.objects.within_reach_of(actor).filter(pk=client.pk).exists():
        raise ValidationError("You can open this client already: find them under Clients.")
    started_at = timezone.now()
    return EmergencyAccess.objects.create(
        user=actor,
        client=client,
        reason=reason,
        started_at=started_at,
        ends_at=started_at + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )


def emergency_access_digest_send(*, now: datetime | None = None) -> int:
    """Mail every active admin how many grants were opened in the past week, by how many
    clinicians for how many clients, with a link to review them. No names, no reasons: an email
    leaves the system. Returns the number of grants counted."""
    now = now or timezone.now()
    grants = EmergencyAccess.objects.filter(started_at__gt=now - DIGEST_PERIOD, started_at__lte=now)
    context = {
        "grant_count": grants.count(),
        "clinician_count": grants.values("user").distinct().count(),
        "client_count": grants.values("client").distinct().count(),
        "review_url": settings.SITE_URL + reverse("iop:dashboard"),
    }
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        send_mail(
            "Weekly review of emergency access",
            render_to_string("emails/emergency_access_digest.txt", context),
            None,
            recipients,
        )
    return context["grant_count"]
