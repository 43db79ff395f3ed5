"""Demo reminders and weekly hours for `manage.py seed_demo`: when no session exists yet, a small
weekly timetable over the last 12 weeks with attendance (a few clients often absent), then the
compliance of each closed week, the alerts a week close and the morning job open, reminder
preferences and this week's outbox. Idempotent: a second run adds nothing."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from faker import Faker

from clients.models import Client, ProgramTrack
from groups.models import Enrollment, Group, GroupType, Room
from iop.models import User
from scheduling.models import (
    Attendance,
    AttendanceStatus,
    ReminderPreference,
    Session,
    SessionType,
)
from scheduling.selectors.compliance import CHART_WEEKS, week_start_of
from scheduling.services.compliance import compliance_nudges_send, week_close
from scheduling.services.reminders import reminder_preference_update, reminders_plan

# (name, type, track code, weekdays, local start, minutes)
TIMETABLE = [
    ("Evening Relapse Prevention", GroupType.RELAPSE_PREVENTION, "adult", [0, 2, 3], time(18), 180),
    ("Morning Skills Development", GroupType.SKILLS, "adult", [1, 3, 4], time(9, 30), 180),
    ("Teen Life Skills", GroupType.LIFE_SKILLS, "adolescent", [0, 2], time(16), 180),
]
OFTEN_ABSENT_EVERY = 6  # one client in six misses about half their sessions


def _local(day, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _seed_timetable(fake: Faker, clients: list[Client], clinicians: list[User]) -> None:
    today = timezone.localdate()
    first_week = week_start_of(today) - timedelta(weeks=CHART_WEEKS)
    room, _ = Room.objects.get_or_create(
        name="Group Room A", defaults={"location": "2nd floor, 120 Main Street", "capacity": 14}
    )
    now = timezone.now()
    for index, (name, group_type, track_code, weekdays, start, minutes) in enumerate(TIMETABLE):
        track = ProgramTrack.objects.get(code=track_code)
        group = Group.objects.create(
            name=name, group_type=group_type, track=track, room=room, capacity=12,
            weekdays=weekdays, start_time=start, duration_minutes=minutes, first_date=first_week,
        )  # fmt: skip
        facilitator = clinicians[index % len(clinicians)]
        group.facilitators.set([facilitator])
        members = [
            c for n, c in enumerate(clients)
            if c.track_id == track.pk and c.admission_date and (track_code != "adult" or n % 2 == index)
        ]  # fmt: skip
        for client in members:
            Enrollment.objects.create(group=group, client=client, start_date=client.admission_date)
        sessions = Session.objects.bulk_create(
            Session(
                session_type=SessionType.GROUP, group=group, clinician=facilitator, room=room,
                starts_at=_local(day, start), ends_at=_local(day, start) + timedelta(minutes=minutes),
            )
            for day in (first_week + timedelta(days=d) for d in range((CHART_WEEKS + 2) * 7))
            if day.weekday() in weekdays
        )  # fmt: skip
        attendance = []
        for session in sessions:
            if session.ends_at > now:
                continue
            for client in members:
                if client.admission_date > timezone.localdate(session.starts_at):
                    continue
                often_absent = client.pk % OFTEN_ABSENT_EVERY == 0
                roll = fake.random_int(1, 100)
                if roll <= (45 if often_absent else 6):
                    status, attended = AttendanceStatus.ABSENT, 0
                elif roll <= (50 if often_absent else 10):
                    status, attended = AttendanceStatus.EXCUSED, 0
                elif roll <= (55 if often_absent else 15):
                    status, attended = AttendanceStatus.LATE, minutes - fake.random_int(10, 40)
                else:
                    status, attended = AttendanceStatus.PRESENT, minutes
                attendance.append(
                    Attendance(
                        session=session, client=client, status=status, minutes_attended=attended,
                        session_minutes=minutes, recorded_by=facilitator,
                    )
                )  # fmt: skip
        Attendance.objects.bulk_create(attendance)


def seed_hours_and_reminders(fake: Faker, clients: list[Client], clinicians: list[User]) -> None:
    if not Session.objects.exists():
        _seed_timetable(fake, clients, clinicians)
    for number, client in enumerate(clients):
        if ReminderPreference.objects.filter(client=client).exists() or number % 4 == 3:
            continue  # one in four has not opted in
        texts = number % 2 == 0
        reminder_preference_update(
            client=client,
            email_opt_in=True,
            sms_opt_in=texts,
            quiet_start=time(21) if texts else None,
            quiet_end=time(8) if texts else None,
        )
    this_week = week_start_of(timezone.localdate())
    for weeks_ago in range(CHART_WEEKS, 0, -1):
        monday = this_week - timedelta(weeks=weeks_ago - 1)
        week_close(now=_local(monday, time(2)))  # closes the week before `monday`
    compliance_nudges_send()
    reminders_plan()
