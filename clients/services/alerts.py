"""Writes of clinical alerts: another service opens one inside its own transaction, together with
what raised it; a clinician within reach documents the follow-up, once."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from iop.models import User

from .. import selectors
from ..models import Client, ClinicalAlert

# Thoughts of self-harm call for same-day attention; other kinds wait for the clinician's day.
URGENT_KINDS = {ClinicalAlert.Kind.SELF_HARM_RISK}
# A follow-up someone reviewing it can judge ("called her, safety plan reviewed, no intent"),
# not "ok" or "done".
MINIMUM_NOTE_WORDS = 4


@transaction.atomic
def clinical_alert_open(
    *,
    client: Client,
    kind: ClinicalAlert.Kind,
    detail: str,
    source: models.Model,
    urgent: bool | None = None,
) -> ClinicalAlert:
    """Open an alert about `client`, raised by `source` (a saved row: the check-in, the screen).
    Call it inside the service that records `source`, so both commit or neither does. Opening it
    again for the same source and kind returns the alert already open. `urgent` defaults by kind.
    `detail` says what happened as the chart shows it, never the client's own words."""
    source_type = ContentType.objects.get_for_model(source)
    existing = ClinicalAlert.objects.filter(
        source_type=source_type, source_id=source.pk, kind=kind
    ).first()
    if existing is not None:
        return existing
    alert = ClinicalAlert(
        client=client,
        kind=kind,
        urgent=kind in URGENT_KINDS if urgent is None else urgent,
        detail=" ".join(detail.split()),
        source_type=source_type,
        source_id=source.pk,
    )
    alert.full_clean()
    alert.save()
    return alert


@transaction.atomic
def clinical_alert_follow_up(*, alert: ClinicalAlert, actor: User, note: str) -> ClinicalAlert:
    """Document what was done about an open alert. Only a clinician with the client within reach
    does; a follow-up is final, so a second one is refused."""
    alert = ClinicalAlert.objects.select_for_update().get(pk=alert.pk)
    if not actor.is_clinician or not (
        selectors.client_list(user=actor, among=[alert.client_id]).exists()
    ):
        raise ValidationError("Only a clinician caring for this client documents the follow-up.")
    if not alert.is_open:
        raise ValidationError(
            f"This alert was already followed up by {alert.followed_up_by} "
            f"on {timezone.localtime(alert.followed_up_at):%b %-d at %-I:%M %p}."
        )
    note = note.strip()
    if len(note.split()) < MINIMUM_NOTE_WORDS:
        raise ValidationError(
            {"note": f"Say what was done in at least {MINIMUM_NOTE_WORDS} words."}
        )
    alert.follow_up_note = note
    alert.followed_up_by = actor
    alert.followed_up_at = timezone.now()
    alert.full_clean()
    alert.save(update_fields=["follow_up_note", "followed_up_by", "followed_up_at"])
    return alert
