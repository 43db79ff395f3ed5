"""Writes of the client record. Every write to a client goes through here."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from iop.models import User

from .models import Client, ProgramTrack

MRN_SEQUENCE = "clients_mrn_seq"


def _next_mrn() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [MRN_SEQUENCE])
        (number,) = cursor.fetchone()
    return f"M{number:06d}"


@transaction.atomic
def client_create(
    *,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: date,
    track: ProgramTrack,
    primary_clinician: User,
    preferred_name: str = "",
    pronouns: str = "",
    email: str = "",
    phone: str = "",
    user: User | None = None,
) -> Client:
    """Register a referred client; the system assigns the medical record number."""
    if date_of_birth >= timezone.localdate():
        raise ValidationError({"date_of_birth": "Date of birth must be in the past."})
    if not primary_clinician.is_clinician:
        raise ValidationError({"primary_clinician": "The primary clinician must be a clinician."})
    if user is not None and not user.is_client:
        raise ValidationError({"user": "A portal login must have the client role."})
    client = Client(
        legal_first_name=legal_first_name.strip(),
        legal_last_name=legal_last_name.strip(),
        preferred_name=preferred_name.strip(),
        pronouns=pronouns.strip(),
        date_of_birth=date_of_birth,
        email=email,
        phone=phone,
        track=track,
        primary_clinician=primary_clinician,
        user=user,
        mrn=_next_mrn(),
    )
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def client_admit(*, client: Client, admission_date: date) -> Client:
    if client.status in (Client.Status.ACTIVE, Client.Status.DISCHARGED):
        raise ValidationError(
            f"A client who is {client.get_status_display().lower()} cannot be admitted."
        )
    client.status = Client.Status.ACTIVE
    client.admission_date = admission_date
    client.full_clean()
    client.save(update_fields=["status", "admission_date"])
    return client
