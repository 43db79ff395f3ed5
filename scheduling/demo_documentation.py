"""Demo attendance and notes for `manage.py seed_demo`: two groups with a week of documented
sessions, today's sessions still to run, and a little overdue documentation so Today and the
admins' list show something to do. Idempotent: documented sessions are left as they are."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from faker import Faker

from clients.models import Client, ProgramTrack
from groups.models import Enrollment, Group, GroupType, Room
from iop.models import User

from .models import AttendanceStatus, ProgressNote, Session, SessionLog, SessionType
from .selectors.attendance import roster_clients
from .selectors.notes import addressable_objectives
from .services.attendance import AttendanceEntry, attendance_record, session_summary_update
from .services.notes import note_save, note_sign

DEMO_DAYS = 7
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


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _group(name: str, *, room: Room, track: ProgramTrack, weekdays: list[int], start: time,
           facilitators: list[User], group_type: str) -> Group:  # fmt: skip
    group = Group.objects.filter(name=name).first()
    if group:
        return group
    group = Group(
        name=name,
        group_type=group_type,
        track=track,
        room=room,
        capacity=12,
        weekdays=weekdays,
        start_time=start,
        duration_minutes=180,
        first_date=timezone.localdate() - timedelta(days=60),
    )
    group.full_clean()
    group.save()
    group.facilitators.set(facilitators)
    return group


def _enroll(group: Group, clients: list[Client]) -> None:
    for client in clients:
        if not Enrollment.objects.filter(group=group, client=client).exists():
            enrollment = Enrollment(group=group, client=client, start_date=client.admission_date)
            enrollment.full_clean()
            enrollment.save()


def _sessions(group: Group, days: list[date]) -> list[Session]:
    sessions = []
    for day in days:
        if day.weekday() not in group.weekdays:
            continue
        starts_at = _local(day, group.start_time)
        session = Session.objects.filter(group=group, starts_at=starts_at).first()
        if session is None:
            session = Session(
                session_type=SessionType.GROUP,
                group=group,
                clinician=group.facilitators.order_by("pk").first(),
                room=group.room,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=group.duration_minutes),
            )
            session.full_clean()
            session.save()
        sessions.append(session)
    return sessions


def _document(fake: Faker, session: Session, *, drafts: int) -> None:
    """Take attendance (mostly present, some late or absent) and write the notes, leaving the
    first `drafts` of them unsigned."""
    clinician = session.clinician
    roster = list(roster_clients(session).filter(status=Client.Status.ACTIVE))
    entries = []
    for index, client in enumerate(roster):
        roll = fake.random_int(0, 9)
        if roll == 0 and index:
            entries.append(AttendanceEntry(client.pk, AttendanceStatus.ABSENT, 0))
        elif roll == 1:
            entries.append(AttendanceEntry(client.pk, AttendanceStatus.LATE, 150))
        else:
            entries.append(AttendanceEntry(client.pk, AttendanceStatus.PRESENT, 180))
    attendance_record(session=session, recorded_by=clinician, entries=entries, expected_version=0)
    topic, interventions = fake.random_element(TOPICS)
    session_summary_update(
        session=session, user=clinician, topic=topic, interventions=interventions
    )
    attended = [entry for entry in entries if entry.status != AttendanceStatus.ABSENT]
    for position, entry in enumerate(attended):
        client = next(client for client in roster if client.pk == entry.client_id)
        objectives = list(addressable_objectives(client))
        note = note_save(
            session=session,
            client=client,
            author=clinician,
            data=fake.random_element(DATA),
            assessment=fake.random_element(ASSESSMENT),
            plan=fake.random_element(PLAN),
            objective_ids=[fake.random_element(objectives).pk] if objectives else [],
        )
        if position >= drafts:
            note_sign(note=note, user=clinician)


def seed_documentation(fake: Faker, clinicians: list[User], clients: list[Client]) -> int:
    """Returns how many progress notes the demo clinic has."""
    room, _ = Room.objects.get_or_create(
        name="Group Room A", defaults={"location": "2nd floor, 120 Main Street", "capacity": 14}
    )
    active = [client for client in clients if client.status == Client.Status.ACTIVE]
    adults = [client for client in active if client.track.code == "adult"]
    evening = _group(
        "Relapse Prevention (evening)",
        room=room,
        track=ProgramTrack.objects.get(code="adult"),
        weekdays=[0, 2, 3],
        start=time(18, 0),
        facilitators=clinicians[:2],
        group_type=GroupType.RELAPSE_PREVENTION,
    )
    morning = _group(
        "Skills Development (morning)",
        room=room,
        track=ProgramTrack.objects.get(code="adult"),
        weekdays=[0, 1, 2, 3, 4],
        start=time(9, 0),
        facilitators=clinicians[:1],
        group_type=GroupType.SKILLS,
    )
    _enroll(evening, adults[: len(adults) // 2 + 2])
    _enroll(morning, adults[len(adults) // 2 :])
    today = timezone.localdate()
    days = [today - timedelta(days=offset) for offset in range(DEMO_DAYS, -1, -1)]
    now = timezone.now()
    for group in (evening, morning):
        past = [session for session in _sessions(group, days) if session.ends_at <= now]
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
    return ProgressNote.objects.count()
