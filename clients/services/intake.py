"""Writes of intake: a draft saved step by step, completed by the consent to treatment, which admits
the client. A completed intake no longer changes.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.clock import today
from iop.dates import check_dates
from iop.models import User

from ..models import (
    ASAM_DIMENSIONS,
    Client,
    Diagnosis,
    Intake,
    Medication,
    SubstanceUse,
)
from .clients import client_admit

INTAKE_FIELDS = {
    "referral_source",
    "presenting_problem",
    *(field for field, _ in ASAM_DIMENSIONS),
    "payer",
    "member_id",
    "authorization_number",
    "authorized_units",
    "authorized_unit_kind",
    "authorization_start",
    "authorization_end",
}


@transaction.atomic
def intake_start(*, client: Client, actor: User) -> Intake:
    """Open (or reopen) the intake draft of a referred client; the client is then 'in intake'."""
    existing = Intake.objects.filter(client=client).first()
    if existing is not None:
        return existing
    if client.status != Client.Status.REFERRED:
        raise ValidationError("Only a referred client can start intake.")
    intake = Intake(client=client, started_by=actor)
    intake.full_clean()
    intake.save()
    client.status = Client.Status.INTAKE
    client.save(update_fields=["status"])
    return intake


@transaction.atomic
def intake_step_save(*, client: Client, actor: User, save: Callable[[Intake], object]) -> Intake:
    """Save one step of intake through `save`, the step's own service. The first saved step opens
    the draft (the client is then in intake); opening a step only reads. One transaction, so a
    refused step leaves nothing behind. Returns the intake, completed after the last step."""
    intake = intake_start(client=client, actor=actor)
    save(intake)
    return intake


def _ensure_open(intake: Intake) -> None:
    if intake.completed_at is not None:
        raise ValidationError("This intake is complete and can no longer change.")


@transaction.atomic
def intake_draft_save(*, intake: Intake, **fields: Any) -> Intake:
    """Save one step's answers into the draft; nothing else changes."""
    unknown = set(fields) - INTAKE_FIELDS
    if unknown:
        raise ValueError(f"Not intake fields: {sorted(unknown)}")
    _ensure_open(intake)
    for name, value in fields.items():
        setattr(intake, name, value.strip() if isinstance(value, str) else value)
    start, end = intake.authorization_start, intake.authorization_end
    if start and end and end < start:
        raise ValidationError({"authorization_end": "The authorization must end after it starts."})
    intake.full_clean()
    intake.save()
    return intake


@transaction.atomic
def intake_substances_replace(*, intake: Intake, substances: list[dict[str, Any]]) -> None:
    _ensure_open(intake)
    rows = [SubstanceUse(client=intake.client, **row) for row in substances]
    for row in rows:
        if row.last_use and row.last_use > today():
            raise ValidationError({"last_use": "The last use cannot be in the future."})
        row.full_clean()
    intake.client.substances.all().delete()
    SubstanceUse.objects.bulk_create(rows)


@transaction.atomic
def intake_diagnoses_replace(*, intake: Intake, diagnoses: list[dict[str, Any]]) -> None:
    _ensure_open(intake)
    rows = [
        Diagnosis(client=intake.client, **{**row, "icd10_code": row["icd10_code"].strip().upper()})
        for row in diagnoses
    ]
    codes = [row.icd10_code for row in rows]
    if len(codes) != len(set(codes)):
        raise ValidationError({"icd10_code": "Each diagnosis code may appear only once."})
    for row in rows:
        row.full_clean(validate_unique=False, validate_constraints=False)  # rows are replaced
    intake.client.diagnoses.all().delete()
    Diagnosis.objects.bulk_create(rows)


@transaction.atomic
def intake_medications_replace(*, intake: Intake, medications: list[dict[str, Any]]) -> None:
    _ensure_open(intake)
    rows = [Medication(client=intake.client, **row) for row in medications]
    for row in rows:
        row.full_clean()
    intake.client.medications.all().delete()
    Medication.objects.bulk_create(rows)


@transaction.atomic
def intake_complete(
    *, intake: Intake, consent_to_treatment: bool, admission_date: date, actor: User
) -> Client:
    """Complete intake: the client consents to treatment and is admitted at level of care 2.1."""
    _ensure_open(intake)
    check_dates(admission_date=admission_date)
    errors: dict[str, str] = {}
    if not consent_to_treatment:
        errors["consent_to_treatment"] = "The client must consent to treatment to be admitted."
    if admission_date > today():
        errors["admission_date"] = "The admission date cannot be in the future."
    missing = [
        label
        for field, label in (
            ("referral_source", "referral source"),
            ("presenting_problem", "presenting problem"),
            *((field, "ASAM dimension " + label[0]) for field, label in ASAM_DIMENSIONS),
        )
        if getattr(intake, field) in ("", None)
    ]
    if missing:
        errors["__all__"] = "Complete these steps first: " + ", ".join(missing) + "."
    if errors:
        raise ValidationError(errors)
    intake.consent_to_treatment = True
    intake.consent_to_treatment_on = admission_date
    intake.completed_at = timezone.now()
    intake.full_clean()
    intake.save()
    return client_admit(client=intake.client, admission_date=admission_date, actor=actor)
