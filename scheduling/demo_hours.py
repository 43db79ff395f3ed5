"""Demo reminders and weekly hours for `manage.py seed_demo`: attendance of the demo groups over
the last 12 weeks (a few clients often absent), then the compliance of each closed week, the alerts
a week close and the morning job open, reminder preferences and this week's outbox. Idempotent: a
second run adds nothing."""

from datetime import time, timedelta

from django.utils import timezone
from faker import Faker

from clients.models import Client
from iop.clock import local_datetime, local_midnight, week_start_of
from scheduling.demo_documentation import ASSESSMENT, DATA, DEMO_DAYS, PLAN, TOPICS
from scheduling.models import (
    Attendance,
    AttendanceStatus,
    ProgressNote,
    ReminderPreference,
    Session,
)
from scheduling.selectors.attendance import roster_client_list
from scheduling.selectors.compliance import CHART_WEEKS
from scheduling.services.compliance import compliance_nudges_send, week_close
from scheduling.services.reminders import reminder_preference_update, reminders_plan
from scheduling.services.sessions import MATERIALIZE_DAYS, sessions_materialize

OFTEN_ABSENT_EVERY = 6  # one client in six misses about half their sessions


def _seed_attendance_history(fake: Faker) -> None:
    """Attendance of the demo groups over the charts' weeks, up to the week demo_documentation
    documents with notes, so every hours chart has a history."""
    today = timezone.localdate()
    first_week = week_start_of(today) - timedelta(weeks=CHART_WEEKS)
    history_end = local_midnight(today - timedelta(days=DEMO_DAYS))
    if Attendance.objects.filter(session__starts_at__lt=history_end).exists():
        return
    # The calendar is materialized a horizon at a time; step through the history the same way.
    for horizon in range(0, (today - first_week).days, MATERIALIZE_DAYS):
        sessions_materialize(now=local_midnight(first_week + timedelta(days=horizon)))
    sessions = Session.objects.filter(
        group__isnull=False, starts_at__gte=local_midnight(first_week), ends_at__lte=history_end
    ).select_related("group")
    attendance, notes, unmet = [], [], []
    for session in sessions:
        minutes = session.length_minutes
        roster = list(roster_client_list(session=session).filter(status=Client.Status.ACTIVE))
        if not roster:
            unmet.append(session.pk)
            continue
        topic, interventions = fake.random_element(TOPICS)
        for client in roster:
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
                    session_minutes=minutes, recorded_by=session.clinician,
                )
            )  # fmt: skip
            if attended:
                notes.append(
                    ProgressNote(
                        session=session, client=client, author=session.clinician,
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


def seed_hours_and_reminders(fake: Faker, clients: list[Client]) -> None:
    _seed_attendance_history(fake)
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
        week_close(now=local_datetime(monday, time(2)))  # closes the week before `monday`
    compliance_nudges_send()
    reminders_plan()
