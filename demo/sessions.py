"""Demo individual sessions ahead: three weekly sessions for every active client with their primary
clinician (idempotent: clients who already have individual sessions are skipped). One that falls
on a holiday is cancelled with the others (demo.holidays)."""

from datetime import time, timedelta

from django.utils import timezone

from clients.models import Client
from groups.models import Room
from iop.clock import local_datetime, week_start_of
from iop.models import User
from scheduling.models import SessionSeries, SessionType
from scheduling.services.sessions import MATERIALIZE_DAYS, session_schedule

from .holidays import holiday_sessions_cancel

# Tuesday and Friday afternoons are free of every demo group, so these never double-book.
SLOTS = [(day, hour) for day in (1, 4) for hour in (13, 14, 15, 16)]


def seed_sessions(clinicians: list[User], clients: list[Client]) -> None:
    """A weekly series of individual sessions from next week for every active client with their
    primary clinician, in the clinician's office: three sessions, or until the expected end of
    the client's program if that comes first."""
    next_monday = week_start_of(timezone.localdate()) + timedelta(days=7)
    for number, clinician in enumerate(clinicians, start=1):
        office, _ = Room.objects.get_or_create(
            name=f"Office {number}",
            defaults={"location": "3rd floor, 120 Main Street", "capacity": 4},
        )
        caseload = [
            c
            for c in clients
            if c.primary_clinician_id == clinician.pk and c.status == Client.Status.ACTIVE
        ]
        for (day, hour), client in zip(SLOTS, caseload, strict=False):
            if client.individual_sessions.exists():
                continue
            first = next_monday + timedelta(days=day)
            # Three weeks, or fewer when the client's planned program ends sooner.
            until = min(first + timedelta(weeks=2), client.expected_end or first)
            session_schedule(
                session_type=SessionType.INDIVIDUAL,
                client=client,
                clinician=clinician,
                starts_at=local_datetime(first, time(hour)),
                duration_minutes=50,
                room=office,
                repeat=SessionSeries.Frequency.WEEKLY if until > first else "",
                until=until if until > first else None,
            )
    today = timezone.localdate()
    holiday_sessions_cancel(first=today, last=today + timedelta(days=MATERIALIZE_DAYS - 1))
