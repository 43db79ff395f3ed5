"""Writes of the client record itself: referral, admission, identifying data, emergency contacts.

The system assigns the medical record number from a database sequence. Admission opens the
level-of-care history at 2.1 (`level_of_care._level_of_care_open`).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from iop.clock import today
from iop.dates import check_dates
from iop.models import User

from ..models import (
    Client,
    EmergencyContact,
    LevelOfCare,
    ProgramTrack,
)
from ..signals import client_weeks_changed
from .level_of_care import _level_of_care_open

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
    if date_of_birth >= today():
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
def client_admit(
    *,
    client: Client,
    admission_date: date,
    actor: User | None = None,
    level: str = LevelOfCare.IOP,
) -> Client:
    """Make the client active from `admission_date`, opening their level-of-care history there."""
    check_dates(admission_date=admission_date)
    if client.status in (Client.Status.ACTIVE, Client.Status.DISCHARGED):
        raise ValidationError(
            f"A client who is {client.get_status_display().lower()} cannot be admitted."
        )
    client.status = Client.Status.ACTIVE
    client.admission_date = admission_date
    client.full_clean()
    client.save(update_fields=["status", "admission_date"])
    _level_of_care_open(
        client=client,
        level=level,
        start_date=admission_date,
        actor=actor,
        reason="Admission",
    )
    client_weeks_changed.send(
        sender=Client, client_ids=[client.pk], first_day=admission_date, last_day=None
    )
    return client


@transaction.atomic
def client_update(
    *,
    client: Client,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: date,
    track: ProgramTrack,
    primary_clinician: User,
    preferred_name: str = "",
    pronouns: str = "",
    email: str = "",
    phone: str = "",
    expected_length_weeks: int = 12,
    emergency_contacts: list[dict[str, str]] | None = None,
) -> Client:
    """Change the identifying data and program of a client, and replace their emergency contacts
    when given. (Reminder preferences are the reminders' own: scheduling.ReminderPreference.)"""
    if date_of_birth >= today():
        raise ValidationError({"date_of_birth": "Date of birth must be in the past."})
    if not primary_clinician.is_clinician:
        raise ValidationError({"primary_clinician": "The primary clinician must be a clinician."})
    client.legal_first_name = legal_first_name.strip()
    client.legal_last_name = legal_last_name.strip()
    client.preferred_name = preferred_name.strip()
    client.pronouns = pronouns.strip()
    client.date_of_birth = date_of_birth
    client.email = email
    client.phone = phone
    track_changed = client.track_id != track.pk
    client.track = track
    client.primary_clinician = primary_clinician
    client.expected_length_weeks = expected_length_weeks
    client.full_clean()
    client.save()
    if track_changed and client.admission_date is not None:
        # The track sets the weekly minimum and maximum of every week of the stay.
        client_weeks_changed.send(
            sender=Client, client_ids=[client.pk], first_day=client.admission_date, last_day=None
        )
    if emergency_contacts is not None:
        emergency_contacts_replace(client=client, contacts=emergency_contacts)
    return client


@transaction.atomic
def emergency_contacts_replace(
    *, client: Client, contacts: list[dict[str, str]]
) -> list[EmergencyContact]:
    """Replace the client's emergency contacts with `contacts` (name, relationship, phone)."""
    rows = [EmergencyContact(client=client, **contact) for contact in contacts]
    for row in rows:
        row.full_clean()
    client.emergency_contacts.all().delete()
    return EmergencyContact.objects.bulk_create(rows)
