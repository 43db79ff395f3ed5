"""The demo's past: the group calendar of the hours chart's weeks, closed on holidays, and who came
to each session (demo.story). Weeks before the last seven days are written in bulk, signed the
evening of each session; the last seven days go through the attendance and note services, as a
clinician would document them. Every past session is documented except what Today should show as
to do: the evening group's latest session this week (attendance not taken) and a few draft notes
on the latest documented session of two groups. Idempotent: documented sessions stay as they are."""

from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from faker import Faker

from clients.models import Client
from iop.clock import local_midnight, week_start_of
from iop.models import User
from scheduling.models import Attendance, ProgressNote, Session
from scheduling.selectors.attendance import roster_client_list
from scheduling.selectors.compliance import CHART_WEEKS
from scheduling.selectors.notes import addressable_objective_list
from scheduling.services.attendance import (
    AttendanceEntry,
    attendance_record,
    session_summary_update,
)
from scheduling.services.notes import note_save, note_sign
from scheduling.services.sessions import MATERIALIZE_DAYS, sessions_materialize

from .holidays import seed_closures
from .story import Story, in_program, session_attendance, story_of

DEMO_DAYS = 7  # the last days, documented through the services
OVERDUE_GROUP = "Evening Relapse Prevention"
# The groups whose latest documented session keeps DRAFTS_LEFT notes unsigned.
DRAFT_GROUPS = ("Evening Relapse Prevention", "Morning Skills Lab")
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


def first_week() -> date:
    """Monday of the first week the demo has a history for."""
    return week_start_of(timezone.localdate()) - timedelta(weeks=CHART_WEEKS)


def _stories(clients: list[Client]) -> dict[int, Story]:
    """Each demo client's story by client id."""
    return {client.pk: story for client in clients if (story := story_of(client)) is not None}


def _entries(session: Session, stories: dict[int, Story], today: date) -> list[AttendanceEntry]:
    """The attendance sheet of a session: its clients who were in the program that day."""
    day = timezone.localdate(session.starts_at)
    entries = []
    for client_id in (
        roster_client_list(session=session).values_list("pk", flat=True).order_by("pk")
    ):
        story = stories.get(client_id)
        if story is not None and in_program(story, day, today):
            status, minutes = session_attendance(story, day, session.length_minutes, today)
            entries.append(AttendanceEntry(client_id, status, minutes))
    return entries


def _undocumented(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.filter(status=Session.Status.SCHEDULED).exclude(
        Exists(Attendance.objects.filter(session=OuterRef("pk")))
    )


def _history_seeded() -> bool:
    history_end = local_midnight(timezone.localdate() - timedelta(days=DEMO_DAYS))
    return Attendance.objects.filter(session__starts_at__lt=history_end).exists()


def seed_calendar(admin: User) -> None:
    """The clinic's closures, then the group sessions of the history's weeks and the four weeks
    ahead (those of closed days on the calendar as cancelled)."""
    seed_closures(admin=admin, first=first_week())
    today = timezone.localdate()
    # The calendar is materialized a horizon at a time; step through the history the same way,
    # once: a second run would bring back the sessions of groups nobody was in yet.
    if not _history_seeded():
        for horizon in range(0, (today - first_week()).days + 1, MATERIALIZE_DAYS):
            sessions_materialize(now=local_midnight(first_week() + timedelta(days=horizon)))
    sessions_materialize()


def seed_attendance_history(fake: Faker, clients: list[Client]) -> None:
    """Attendance and signed notes of the group sessions before the last DEMO_DAYS, in bulk."""
    if _history_seeded():
        return
    today = timezone.localdate()
    history_end = local_midnight(today - timedelta(days=DEMO_DAYS))
    stories = _stories(clients)
    sessions = _undocumented(
        Session.objects.filter(
            group__isnull=False,
            starts_at__gte=local_midnight(first_week()),
            ends_at__lte=history_end,
        )
    ).select_related("group")
    attendance, notes, unmet = [], [], []
    for session in sessions:
        entries = _entries(session, stories, today)
        if not entries:
            unmet.append(session.pk)
            continue
        topic, interventions = fake.random_element(TOPICS)
        for entry in entries:
            attendance.append(
                Attendance(
                    session=session, client_id=entry.client_id, status=entry.status,
                    minutes_attended=entry.minutes_attended,
                    session_minutes=session.length_minutes, recorded_by=session.clinician,
                )
            )  # fmt: skip
            if entry.minutes_attended:
                notes.append(
                    ProgressNote(
                        session=session, client_id=entry.client_id, author=session.clinician,
                        data=fake.random_element(DATA), assessment=fake.random_element(ASSESSMENT),
                        plan=fake.random_element(PLAN), group_topic=topic,
                        group_interventions=interventions, signed_by=session.clinician,
                        signed_at=session.ends_at + timedelta(hours=2),
                    )
                )  # fmt: skip
    # Bulk, not the services per session: history for a demo, far faster, the same rows (notes
    # signed the evening of the session).
    Attendance.objects.bulk_create(attendance)
    ProgressNote.objects.bulk_create(notes)
    # A group with nobody enrolled yet did not meet: no empty sessions in the history.
    Session.objects.filter(pk__in=unmet).delete()


def _overdue(sessions: list[Session], now: datetime) -> Session | None:
    """The evening group's latest session this week: its attendance is left to take."""
    this_week = local_midnight(week_start_of(timezone.localdate(now)))
    evening = [s for s in sessions if s.group and s.group.name == OVERDUE_GROUP]
    return evening[-1] if evening and evening[-1].starts_at >= this_week else None


def seed_documentation(fake: Faker, clients: list[Client]) -> None:
    """Document the sessions of the last DEMO_DAYS that have ended, as their clinicians would:
    attendance, the group summary, and a note per attended client, signed."""
    today, now = timezone.localdate(), timezone.now()
    stories = _stories(clients)
    past = list(
        Session.objects.filter(
            starts_at__gte=local_midnight(today - timedelta(days=DEMO_DAYS)), ends_at__lte=now
        )
        .filter(status=Session.Status.SCHEDULED)
        .select_related("group", "clinician")
        .order_by("starts_at")
    )
    undocumented = set(_undocumented(Session.objects.filter(pk__in=[s.pk for s in past])))
    overdue = _overdue(past, now)
    latest = {s.group.name: s for s in past if s.group and s != overdue}
    unmet = []
    for session in past:
        if session not in undocumented or session == overdue:
            continue
        entries = _entries(session, stories, today)
        if not entries:
            unmet.append(session.pk)
            continue
        keeps_drafts = (
            session.group is not None
            and session.group.name in DRAFT_GROUPS
            and latest[session.group.name] == session
        )
        _document(fake, session, entries, drafts=DRAFTS_LEFT if keeps_drafts else 0)
    Session.objects.filter(pk__in=unmet).delete()  # nobody was enrolled yet: it did not meet


def _document(
    fake: Faker, session: Session, entries: list[AttendanceEntry], *, drafts: int
) -> None:
    """Take attendance and write the notes, leaving the first `drafts` of them unsigned."""
    clinician = session.clinician
    attendance_record(session=session, actor=clinician, entries=entries, expected_version=0)
    if session.group:
        topic, interventions = fake.random_element(TOPICS)
        session_summary_update(
            session=session, actor=clinician, topic=topic, interventions=interventions
        )
    clients = Client.objects.in_bulk([entry.client_id for entry in entries])
    attended = [entry for entry in entries if entry.minutes_attended]
    for position, entry in enumerate(attended):
        client = clients[entry.client_id]
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
