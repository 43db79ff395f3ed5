"""Demo individual sessions ahead: three weekly sessions for every active client with their primary
clinician (idempotent: clients who already have individual sessions are skipped); one that would
fall on a day the clinic is closed (demo.holidays), when none can be booked, is on the open
weekday before."""

from datetime import date, time, timedelta

from django.utils import timezone

from clients.models import Client
from groups.models import Room
from iop.clock import local_datetime, week_start_of
from iop.models import User
from scheduling.models import SessionType
from scheduling.selectors.closures import closure_on
from scheduling.services.sessions import session_schedule

# Tuesday and Friday afternoons are free of every demo group, so these never double-book.
SLOTS = [(day, hour) for day in (1, 4) for hour in (13, 14, 15, 16)]
WEEKS = 3


def _open_on_or_before(day: date) -> date:
    """The session's day, or the weekday before it when the clinic is closed then, as a clinician
    would move it."""
    while day.weekday() >= 5 or closure_on(day=day) is not None:
        day -= timedelta(days=1)
    return day


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
            for week in range(WEEKS):
                session_day = _open_on_or_before(next_monday + timedelta(days=day, weeks=week))
                if week and client.expected_end and session_day > client.expected_end:
                    break  # the weeks after the client's planned program ends
                session_schedule(
                    session_type=SessionType.INDIVIDUAL,
                    client=client,
                    clinician=clinician,
                    starts_at=local_datetime(session_day, time(hour)),
                    duration_minutes=50,
                    room=office,
                )
