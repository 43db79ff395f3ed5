"""Demo attendance and notes for `manage.py seed_demo`: two groups with a week of documented
sessions, today's sessions still to run, and a little overdue documentation so Today and the
admins' list show something to do. Idempotent: documented sessions are left as they are."""

from datetime import timedelta

from django.utils import timezone
from faker import Faker

from clients.models import Client
from groups.models import Group
from iop.clock import local_midnight
from iop.models import User

from .models import AttendanceStatus, Session, SessionLog
from .selectors.attendance import roster_client_list
from .selectors.notes import addressable_objective_list
from .services.attendance import AttendanceEntry, attendance_record, session_summary_update
from .services.notes import note_save, note_sign
from .services.sessions import sessions_materialize

DEMO_DAYS = 7
# Two of the groups groups.demo creates: an evening and a morning program.
DOCUMENTED_GROUPS = ("Evening Relapse Prevention", "Morning Skills Lab")
DRAFTS_LEFT = 2
TOPICS = [
    ("Relapse warning signs", "Psychoeducation; CBT chain analysis of a recent lapse; role play"),
    ("Coping with cravings", "Urge surfing practice; HALT check-in; coping card homework"),
    ("Building a sober network", "Motivational interviewing; 12-step facilitation; peer feedback"),
    ("Managing stress without using", "Progressive muscle relaxation; DBT distress tolerance"),
    ("Family roles and boundaries", "Psychoeducation; genogram exercise; assertive communication"),
]
DATA = [
    "Arrived on time and shared a craving after a stressful shift at work.",
    "Described a high-risk situation at a family gathering and how they left early.",
    "Reported 14 days abstinent; attended two mutual-help meetings this week.",
    "Quiet at first; later gave supportive feedback to a peer about sleep routines.",
    "Disclosed a brief lapse on Saturday; identified loneliness as the trigger.",
]
ASSESSMENT = [
    "Engaged; growing insight into triggers. No safety concerns voiced.",
    "Ambivalent about change; responsive to reflective listening.",
    "Coping skills emerging; mood stable; denies use since last session.",
    "Lapse handled openly, which is progress; relapse-prevention plan needs updating.",
]
PLAN = [
    "Practice urge surfing daily and log cravings; review in next group.",
    "Call sponsor twice this week; attend Thursday's group.",
    "Update the relapse-prevention plan with the primary clinician this week.",
    "Continue current plan; bring the coping card to the next session.",
]


def _document(fake: Faker, session: Session, *, drafts: int) -> None:
    """Take attendance (mostly present, some late or absent) and write the notes, leaving the
    first `drafts` of them unsigned."""
    clinician = session.clinician
    roster = list(roster_client_list(session=session).filter(status=Client.Status.ACTIVE))
    entries = []
    for index, client in enumerate(roster):
        roll = fake.random_int(0, 9)
        if roll == 0 and index:
            entries.append(AttendanceEntry(client.pk, AttendanceStatus.ABSENT, 0))
        elif roll == 1:
            entries.append(AttendanceEntry(client.pk, AttendanceStatus.LATE, 150))
        else:
            entries.append(AttendanceEntry(client.pk, AttendanceStatus.PRESENT, 180))
    attendance_record(session=session, actor=clinician, entries=entries, expected_version=0)
    topic, interventions = fake.random_element(TOPICS)
    session_summary_update(
        session=session, actor=clinician, topic=topic, interventions=interventions
    )
    attended = [entry for entry in entries if entry.status != AttendanceStatus.ABSENT]
    for position, entry in enumerate(attended):
        client = next(client for client in roster if client.pk == entry.client_id)
        objectives = list(addressable_objective_list(client=client))
        note = note_save(
            session=session,
            client=client,
            actor=clinician,
            data=fake.random_element(DATA),
            assessment=fake.random_element(ASSESSMENT),
            plan=fake.random_element(PLAN),
            objective_ids=[fake.random_element(objectives).pk] if objectives else [],
        )
        if position >= drafts:
            note_sign(note=note, actor=clinician)


def seed_documentation(fake: Faker, clinicians: list[User], clients: list[Client]) -> None:
    """Document last week of two of the demo groups (groups.demo)."""
    groups = Group.objects.filter(name__in=DOCUMENTED_GROUPS).order_by("pk")
    today = timezone.localdate()
    first_day = today - timedelta(days=DEMO_DAYS)
    # The calendar keeps the weeks ahead; the demo also needs the past week's sessions.
    sessions_materialize(groups=groups, now=local_midnight(first_day))
    now = timezone.now()
    for group in groups:
        past = list(
            group.sessions.filter(starts_at__date__gte=first_day, ends_at__lte=now).order_by(
                "starts_at"
            )
        )
        undocumented = [
            session
            for session in past
            if not SessionLog.objects.filter(
                session=session, attendance_taken_at__isnull=False
            ).exists()
        ]
        # The oldest undocumented session stays without attendance (overdue on Today); the most
        # recent keeps a few notes as drafts (overdue once 24 hours pass).
        for session in undocumented[1:]:
            _document(fake, session, drafts=DRAFTS_LEFT if session == past[-1] else 0)
