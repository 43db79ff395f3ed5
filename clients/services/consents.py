"""Writes of consents to disclose and of disclosures (42 CFR Part 2).

A consent is valid from its signature day up to (not including) its expiry or revocation day. A
disclosure is one part of the record (InformationCategory) under one valid consent covering it.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from iop.clock import today
from iop.models import User

from ..models import (
    Client,
    Consent,
    Disclosure,
)


@transaction.atomic
def consent_create(
    *,
    client: Client,
    recipient: str,
    purpose: str,
    information: list[str],
    signed_on: date,
    expires_on: date,
    actor: User,
) -> Consent:
    errors = {}
    if signed_on > today():
        errors["signed_on"] = "The signature date cannot be in the future."
    if expires_on <= signed_on:
        errors["expires_on"] = "A consent must expire after the day it is signed."
    if not information:
        errors["information"] = "Choose what information the consent covers."
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        client=client,
        recipient=recipient.strip(),
        purpose=purpose.strip(),
        information=sorted(set(information)),
        signed_on=signed_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, revoked_on: date, note: str = "") -> Consent:
    if consent.revoked_on is not None:
        raise ValidationError("This consent is already revoked.")
    if revoked_on > today() or revoked_on < consent.signed_on:
        raise ValidationError(
            {"revoked_on": "The revocation date must be between signing and today."}
        )
    consent.revoked_on = revoked_on
    consent.revocation_note = note.strip()
    consent.full_clean()
    consent.save(update_fields=["revoked_on", "revocation_note"])
    return consent


@transaction.atomic
def disclosure_record(*, consent: Consent, information: str, actor: User) -> Disclosure:
    """Log a disclosure. Refused unless the consent is valid today and covers `information`."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if not consent.is_valid_on(today()):
        raise ValidationError(
            {
                "consent": "This consent is expired, revoked or not yet signed: nothing may be disclosed under it."
            }
        )
    if information not in consent.information:
        raise ValidationError({"information": "The consent does not cover this information."})
    disclosure = Disclosure(
        client_id=consent.client_id,
        consent=consent,
        information=information,
        recipient=consent.recipient,
        purpose=consent.purpose,
        disclosed_by=actor,
    )
    disclosure.full_clean()
    disclosure.save()
    return disclosure
