"""The reminder outbox as plain functions: planning from the sessions table, sending each row once,
quiet hours, retries, and the admins' and clients' settings."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Client
from clients.services.measures import checkin_submit
from groups.services import enrollment_void
from iop.clock import local_datetime
from scheduling.models import (
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderLeadTimes,
    ReminderPreference,
    Session,
)
from scheduling.selectors.reminders import reminder_lead_times_get
from scheduling.services.reminders import (
    MAX_ATTEMPTS,
    SEND_BATCH,
    reminder_lead_times_update,
    reminder_preference_update,
    reminders_plan,
    reminders_send_due,
)
from tests.factories import (
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ReminderPreferenceFactory,
    RoomFactory,
    SessionFactory,
    check_in_open,
)
from tests.scheduling.sms_backends import (
    DyingSmsBackend,
    RecordingSmsBackend,
    UnreachableNumberSmsBackend,
    WorkerKilled,
)

TUESDAY = date(2026, 11, 17)
NOW = local_datetime(TUESDAY, time(10, 0))
WEDNESDAY_6PM = local_datetime(TUESDAY + timedelta(days=1), time(18, 0))


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def recording_sms(settings):
    settings.SMS_BACKEND = "tests.scheduling.sms_backends.RecordingSmsBackend"
    RecordingSmsBackend.sent.clear()
    return RecordingSmsBackend.sent


@pytest.fixture
def group(db):
    return GroupFactory(
        name="Relapse Prevention Evening", room=RoomFactory(location="120 Main Street, Suite 2")
    )


@pytest.fixture
def session(group):
    return SessionFactory(group=group, starts_at=WEDNESDAY_6PM)


def enrolled(group, **preference):
    opted_in = ReminderPreferenceFactory(**preference)
    EnrollmentFactory(group=group, client=opted_in.client, start_date=TUESDAY - timedelta(days=20))
    return opted_in.client


def rows(**filters):
    return set(Reminder.objects.filter(**filters).values_list("kind", "channel", "status"))


def test_planning_creates_both_kinds_on_each_opted_in_channel_for_the_group_roster(group, session):
    client = enrolled(group)
    result = reminders_plan(now=NOW)
    assert result.created == 4
    assert rows(client=client, session=session) == {
        (kind, channel, "pending")
        for kind in ("day_before", "hours_before")
        for channel in ("email", "sms")
    }
    day_before = Reminder.objects.get(client=client, kind="day_before", channel="email")
    assert day_before.due_at == WEDNESDAY_6PM - timedelta(days=1)


def test_planning_twice_creates_nothing_more(group, session):
    enrolled(group)
    reminders_plan(now=NOW)
    again = reminders_plan(now=NOW)
    assert (again.created, again.moved, again.cancelled) == (0, 0, 0)
    assert Reminder.objects.count() == 4


def test_planning_leaves_out_channels_not_opted_in_and_clients_not_on_the_roster_that_day(
    group, session
):
    email_only = enrolled(group, sms_opt_in=False)
    later = enrolled(group)
    later.enrollments.update(start_date=TUESDAY + timedelta(days=5))
    ClientFactory(status=Client.Status.REFERRED)
    reminders_plan(now=NOW)
    assert rows(client=email_only) == {
        ("day_before", "email", "pending"),
        ("hours_before", "email", "pending"),
    }
    assert not rows(client=later)


def test_an_individual_session_reminds_its_own_client(db):
    preference = ReminderPreferenceFactory(email_opt_in=True, sms_opt_in=False)
    SessionFactory(
        session_type="individual",
        group=None,
        client=preference.client,
        is_telehealth=True,
        starts_at=WEDNESDAY_6PM,
        ends_at=WEDNESDAY_6PM + timedelta(minutes=50),
    )
    reminders_plan(now=NOW)
    assert rows(client=preference.client) == {
        ("day_before", "email", "pending"),
        ("hours_before", "email", "pending"),
    }


def test_a_session_booked_three_hours_ahead_gets_no_day_before_reminder(group):
    client = enrolled(group)
    SessionFactory(group=group, starts_at=NOW + timedelta(hours=3))
    reminders_plan(now=NOW)
    assert rows(client=client) == {
        ("hours_before", "email", "pending"),
        ("hours_before", "sms", "pending"),
    }


def test_cancelling_a_session_cancels_its_pending_reminders(group, session):
    enrolled(group)
    reminders_plan(now=NOW)
    Session.objects.filter(pk=session.pk).update(status="cancelled", cancel_reason="Snow day")
    result = reminders_plan(now=NOW)
    assert result.cancelled == 4
    assert rows() == {(k, c, "cancelled") for k, c, _ in rows()}


def test_moving_a_session_moves_its_pending_reminders(group, session):
    enrolled(group)
    reminders_plan(now=NOW)
    moved_to = WEDNESDAY_6PM + timedelta(days=1, hours=-1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=moved_to, ends_at=moved_to + timedelta(hours=3)
    )
    assert reminders_plan(now=NOW).moved == 4
    due = Reminder.objects.get(kind="hours_before", channel="sms").due_at
    assert due == moved_to - timedelta(hours=2)


def test_ending_an_enrollment_cancels_and_reenrolling_brings_the_reminders_back(group, session):
    client = enrolled(group)
    reminders_plan(now=NOW)
    client.enrollments.update(end_date=TUESDAY)
    reminders_plan(now=NOW)
    assert {status for _, _, status in rows(client=client)} == {"cancelled"}
    client.enrollments.update(end_date=None)
    assert reminders_plan(now=NOW).revived == 4
    assert {status for _, _, status in rows(client=client)} == {"pending"}


def test_voiding_an_enrollment_cancels_its_reminders(group, session, admin):
    client = enrolled(group)
    reminders_plan(now=NOW)
    enrollment_void(enrollment=client.enrollments.get(), actor=admin, reason="Wrong group")
    reminders_plan(now=NOW)
    assert {status for _, _, status in rows(client=client)} == {"cancelled"}


def test_a_due_email_says_appointment_with_time_and_place_only_and_goes_once(
    group, session, settings
):
    client = enrolled(group, sms_opt_in=False)
    reminders_plan(now=NOW)
    due_time = WEDNESDAY_6PM - timedelta(days=1)
    assert reminders_send_due(now=due_time).sent == 1
    assert reminders_send_due(now=due_time).sent == 0
    (message,) = mail.outbox
    assert message.to == [client.email]
    assert message.subject == "Appointment Wednesday, Nov 18 at 6:00 PM"
    assert "120 Main Street, Suite 2" in message.body
    html = message.alternatives[0][0]
    # With the default settings: the sender and signature are neutral too.
    for private in (group.name, "Relapse", "IOP", "treatment", client.legal_last_name):
        assert private not in message.from_email + message.subject + message.body + html
    assert message.extra_headers["Message-ID"].startswith("<reminder-")
    sent = Reminder.objects.get(kind="day_before")
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 1, due_time)


def test_a_reminder_for_a_video_session_says_by_video_even_with_a_room_booked(group, session):
    group.is_telehealth = True
    group.save()
    session.is_telehealth = True
    session.save()
    enrolled(group, sms_opt_in=False)
    reminders_plan(now=NOW)
    assert reminders_send_due(now=WEDNESDAY_6PM - timedelta(days=1)).sent == 1
    (message,) = mail.outbox
    assert "by video" in message.body
    assert "120 Main Street" not in message.body


def test_a_text_message_due_in_quiet_hours_waits_until_they_end(group, recording_sms):
    client = enrolled(group, email_opt_in=False, quiet_start=time(21, 0), quiet_end=time(8, 0))
    early_session = local_datetime(TUESDAY + timedelta(days=2), time(9, 0))
    SessionFactory(group=group, starts_at=early_session)
    reminders_plan(now=NOW)
    day_before_due = early_session - timedelta(days=1)  # Wednesday 9 am: not quiet
    assert reminders_send_due(now=day_before_due).sent == 1
    seven_am = early_session - timedelta(hours=2)  # Thursday 7 am: quiet until 8
    assert reminders_send_due(now=seven_am).sent == 0
    assert Reminder.objects.get(kind="hours_before").status == "pending"
    assert reminders_send_due(now=early_session - timedelta(hours=1)).sent == 1
    assert [m["to"] for m in recording_sms] == [client.phone, client.phone]
    assert recording_sms[0]["body"].startswith("Appointment Thu Nov 19 9:00 AM, at 120 Main")


def test_a_text_message_held_by_quiet_hours_is_skipped_once_the_session_has_started(
    group, recording_sms
):
    enrolled(group, email_opt_in=False, quiet_start=time(22, 0), quiet_end=time(9, 30))
    dawn_session = local_datetime(TUESDAY + timedelta(days=2), time(9, 0))
    SessionFactory(group=group, starts_at=dawn_session)
    reminders_plan(now=NOW)
    day_before_due = dawn_session - timedelta(days=1)  # Wednesday 9 am, quiet until 9:30
    assert reminders_send_due(now=day_before_due).sent == 0
    assert reminders_send_due(now=day_before_due + timedelta(minutes=30)).sent == 1
    result = reminders_send_due(now=dawn_session + timedelta(minutes=30))
    assert result.skipped == 1
    assert Reminder.objects.get(kind="hours_before").last_error == "The appointment had started."


def test_a_transport_error_is_retried_with_backoff_then_fails(group, session, settings):
    settings.SMS_BACKEND = "tests.scheduling.sms_backends.FailingSmsBackend"
    enrolled(group, email_opt_in=False)
    reminders_plan(now=NOW)
    moment = WEDNESDAY_6PM - timedelta(days=1)
    waits = []
    for _ in range(MAX_ATTEMPTS):
        assert reminders_send_due(now=moment).sent == 0
        row = Reminder.objects.get(kind="day_before")
        if row.status == "pending":
            waits.append(row.due_at - moment)
            moment = row.due_at
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error == "ConnectionError: provider unreachable"


def text_reminders_due(group, clients):
    """`clients` text-only clients on the group; returns the moment their day-before reminders of
    Wednesday's session are due."""
    for _ in range(clients):
        enrolled(group, email_opt_in=False)
    reminders_plan(now=NOW)
    return WEDNESDAY_6PM - timedelta(days=1)


def test_one_unreachable_number_in_a_batch_is_retried_and_the_others_are_sent(
    group, session, settings
):
    settings.SMS_BACKEND = "tests.scheduling.sms_backends.UnreachableNumberSmsBackend"
    due = text_reminders_due(group, 4)
    unreachable = Client.objects.order_by("pk")[1]
    Client.objects.filter(pk=unreachable.pk).update(phone=UnreachableNumberSmsBackend.UNREACHABLE)
    result = reminders_send_due(now=due)
    assert (result.sent, result.retried) == (3, 1)
    assert sorted(m["to"] for m in RecordingSmsBackend.sent) == sorted(
        Client.objects.exclude(pk=unreachable.pk).values_list("phone", flat=True)
    )
    failed = Reminder.objects.get(client=unreachable, kind="day_before")
    assert (failed.status, failed.attempts, failed.due_at) == (
        "pending",
        1,
        due + timedelta(minutes=1),
    )
    assert failed.last_error == "ConnectionError: number unreachable"


def test_a_worker_killed_mid_batch_leaves_the_batch_pending_and_the_next_run_sends_each_once(
    group, session, settings
):
    settings.SMS_BACKEND = "tests.scheduling.sms_backends.DyingSmsBackend"
    due = text_reminders_due(group, 6)
    with pytest.raises(WorkerKilled):
        reminders_send_due(now=due)
    # Nothing was marked: the messages handed over before the death go again under the same
    # reference (the provider's idempotency key), none is lost.
    assert set(Reminder.objects.filter(kind="day_before").values_list("status", "attempts")) == {
        ("pending", 0)
    }
    handed_over = {m["reference"] for m in RecordingSmsBackend.sent}
    assert len(handed_over) == DyingSmsBackend.LIVES
    settings.SMS_BACKEND = "tests.scheduling.sms_backends.RecordingSmsBackend"
    RecordingSmsBackend.sent.clear()
    assert reminders_send_due(now=due).sent == 6
    assert reminders_send_due(now=due).sent == 0
    references = [m["reference"] for m in RecordingSmsBackend.sent]
    assert sorted(references) == sorted(
        f"reminder-{pk}"
        for pk in Reminder.objects.filter(kind="day_before").values_list("pk", flat=True)
    )
    assert handed_over < set(references)


def test_sending_takes_the_same_queries_for_one_batch_whatever_its_size(
    group, session, django_assert_max_num_queries
):
    text_reminders_due(group, SEND_BATCH // 2)
    # Both reminders of each client are due (the day-before one is skipped): one full batch.
    with django_assert_max_num_queries(8):  # claim, lead times, mark, the next (empty) claim,
        result = reminders_send_due(now=WEDNESDAY_6PM - timedelta(minutes=90))  # savepoints
    assert (result.sent, result.skipped) == (SEND_BATCH // 2, SEND_BATCH // 2)


def test_a_run_sends_batch_after_batch_up_to_its_limit(group, session):
    due = text_reminders_due(group, SEND_BATCH + 5)
    assert reminders_send_due(now=due, limit=SEND_BATCH + 2).sent == SEND_BATCH + 2
    assert reminders_send_due(now=due).sent == 3
    assert len(RecordingSmsBackend.sent) == SEND_BATCH + 5


def test_a_day_before_reminder_overdue_past_the_later_one_is_skipped(group, session):
    enrolled(group, sms_opt_in=False)
    reminders_plan(now=NOW)
    result = reminders_send_due(now=WEDNESDAY_6PM - timedelta(minutes=90))
    assert (result.sent, result.skipped) == (1, 1)
    assert Reminder.objects.get(kind="day_before").status == "skipped"
    assert len(mail.outbox) == 1


def test_changing_lead_times_moves_pending_reminders(group, session, admin):
    enrolled(group)
    reminders_plan(now=NOW)
    reminder_lead_times_update(day_before_minutes=26 * 60, hours_before_minutes=60)
    assert Reminder.objects.get(kind="hours_before", channel="email").due_at == (
        WEDNESDAY_6PM - timedelta(hours=1)
    )
    assert reminder_lead_times_get().day_before_minutes == 26 * 60


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day_before=st.integers(min_value=-20000, max_value=20000),
    hours_before=st.integers(min_value=-20000, max_value=20000),
)
def test_lead_times_out_of_range_are_refused_and_nothing_changes(db, day_before, hours_before):
    valid = 0 < hours_before < day_before <= 7 * 24 * 60
    before = reminder_lead_times_get()
    if valid:
        reminder_lead_times_update(day_before_minutes=day_before, hours_before_minutes=hours_before)
        assert reminder_lead_times_get().day_before_minutes == day_before
    else:
        with pytest.raises(ValidationError) as error:
            reminder_lead_times_update(
                day_before_minutes=day_before, hours_before_minutes=hours_before
            )
        assert set(error.value.message_dict) <= {"day_before_minutes", "hours_before_minutes"}
        after = reminder_lead_times_get()
        assert (after.day_before_minutes, after.hours_before_minutes) == (
            before.day_before_minutes,
            before.hours_before_minutes,
        )
    ReminderLeadTimes.objects.all().delete()


@pytest.mark.parametrize(
    ("quiet_start", "quiet_end", "field"),
    [
        (time(21, 0), None, "quiet_end"),
        (None, time(8, 0), "quiet_start"),
        (time(8, 0), time(8, 0), "quiet_end"),
    ],
)
def test_malformed_quiet_hours_get_a_clear_error_and_change_nothing(
    alice, quiet_start, quiet_end, field
):
    with pytest.raises(ValidationError) as error:
        reminder_preference_update(
            client=alice,
            email_opt_in=False,
            sms_opt_in=False,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
        )
    assert field in error.value.message_dict
    assert not ReminderPreference.objects.exists()


def test_opting_in_without_an_address_on_file_is_refused(alice):
    with pytest.raises(ValidationError) as error:
        reminder_preference_update(
            client=alice, email_opt_in=True, sms_opt_in=True, quiet_start=None, quiet_end=None
        )
    assert set(error.value.message_dict) == {"email_opt_in", "sms_opt_in"}


def test_opting_out_cancels_pending_reminders_of_that_channel(group, session):
    client = enrolled(group)
    reminders_plan(now=NOW)
    reminder_preference_update(
        client=client, email_opt_in=True, sms_opt_in=False, quiet_start=None, quiet_end=None
    )
    assert {status for _, channel, status in rows(client=client) if channel == "sms"} == {
        "cancelled"
    }
    assert reminders_plan(now=NOW).created == 0
    assert ReminderChannel.SMS not in {
        r.channel for r in Reminder.objects.filter(status="pending", kind=ReminderKind.DAY_BEFORE)
    }


def test_a_weekly_nudge_is_discreet_and_skipped_once_the_week_is_over(db, settings):
    preference = ReminderPreferenceFactory(sms_opt_in=False)
    monday = TUESDAY - timedelta(days=1)
    for week in (monday, monday - timedelta(weeks=1)):
        Reminder.objects.create(
            client=preference.client,
            kind="hours_nudge",
            channel="email",
            nudge_week=week,
            due_at=NOW,
        )
    result = reminders_send_due(now=NOW)
    assert (result.sent, result.skipped) == (1, 1)
    (message,) = mail.outbox
    assert message.subject == "Your appointments this week"
    text = message.subject + message.body + message.alternatives[0][0]
    for private in ("hours", "IOP", "treatment", "program", preference.client.legal_last_name):
        assert private not in text


def test_a_due_check_in_gets_one_discreet_reminder_per_channel_and_none_once_submitted(
    db, recording_sms
):
    client = ReminderPreferenceFactory().client
    check_in = check_in_open(client, due_on=TUESDAY)
    unopted = ClientFactory()
    check_in_open(unopted, due_on=TUESDAY)
    reminders_plan(now=NOW)
    reminders_plan(now=NOW)  # twice: nothing more
    assert rows(check_in=check_in) == {
        ("check_in", "email", "pending"),
        ("check_in", "sms", "pending"),
    }
    assert not Reminder.objects.filter(client=unopted).exists()

    reminders_send_due(now=NOW)
    (email,) = mail.outbox
    assert email.subject == "You have a check-in to complete"
    assert email.body.startswith("You have a check-in to complete.\n")
    (sms,) = recording_sms
    assert sms["body"].startswith("You have a check-in to complete.")
    for text in (email.subject, email.body, sms["body"]):
        assert "PHQ" not in text
        assert client.legal_last_name not in text


def test_a_check_in_submitted_before_its_reminder_cancels_it(db):
    client = ReminderPreferenceFactory().client
    check_in = check_in_open(client, due_on=TUESDAY + timedelta(days=1))
    reminders_plan(now=NOW)
    assert not rows(check_in=check_in)  # due tomorrow: planned on its day
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        reminders_plan(now=NOW + timedelta(days=1))
        assert {status for *_, status in rows(check_in=check_in)} == {"pending"}
        checkin_submit(
            check_in=check_in, actor=client.user, answers={str(n): 0 for n in range(1, 10)}
        )
        reminders_plan(now=NOW + timedelta(days=1))
    assert {status for *_, status in rows(check_in=check_in)} == {"cancelled"}
    assert mail.outbox == []
