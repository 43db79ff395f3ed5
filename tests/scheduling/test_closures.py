"""Clinic closures as plain functions: closing days cancels their sessions and tells the clients,
the materializer keeps closed days cancelled, no session is booked on one, the weekly requirement
is lowered by the sessions lost on the closed days (tests/scheduling/test_closure_proration.py), a closure is withdrawn rather than deleted, and bad input changes
nothing."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import InternalError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.models import Group
from iop.clock import local_datetime
from scheduling import tasks
from scheduling.models import ClinicClosure, Reminder, Session, SessionType, WeeklyCompliance
from scheduling.services.closures import clinic_closure_create, clinic_closure_withdraw
from scheduling.services.compliance import compliance_recompute_week
from scheduling.services.reminders import reminders_plan, reminders_send_due
from scheduling.services.sessions import session_schedule, sessions_materialize
from tests.factories import (
    AttendanceFactory,
    EnrollmentFactory,
    GroupFactory,
    ReminderPreferenceFactory,
    RoomFactory,
    SessionFactory,
)
from tests.scheduling.sms_backends import RecordingSmsBackend

MONDAY = date(2026, 11, 16)
TUESDAY_10AM = local_datetime(MONDAY + timedelta(days=1), time(10, 0))
WEDNESDAY, THURSDAY = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)
NEXT_MONDAY_3AM = local_datetime(MONDAY + timedelta(days=7), time(3, 0))


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TUESDAY_10AM, tick=False):
        yield


@pytest.fixture(autouse=True)
def recording_sms(settings):
    settings.SMS_BACKEND = "tests.scheduling.sms_backends.RecordingSmsBackend"
    RecordingSmsBackend.sent.clear()
    return RecordingSmsBackend.sent


@pytest.fixture
def group(db):
    """Monday, Wednesday, Thursday 6-9 pm, on the calendar four weeks ahead."""
    group = GroupFactory(
        name="Relapse Prevention Evening", room=RoomFactory(location="120 Main Street")
    )
    sessions_materialize(groups=Group.objects.filter(pk=group.pk))
    return group


@pytest.fixture
def opted_in(group):
    """A client on the group's roster who asked for reminders by email and text."""
    preference = ReminderPreferenceFactory(client__admission_date=MONDAY - timedelta(days=30))
    EnrollmentFactory(group=group, client=preference.client, start_date=MONDAY - timedelta(days=30))
    return preference.client


def on(group, day):
    return Session.objects.get(group=group, starts_at=local_datetime(day, time(18, 0)))


def close(admin, first_day, last_day=None, label="Staff training"):
    return clinic_closure_create(
        first_day=first_day, last_day=last_day or first_day, label=label, actor=admin
    )


def test_closing_a_day_cancels_its_sessions_with_the_closure_as_reason(admin, group):
    closure = close(admin, THURSDAY)

    thursday = on(group, THURSDAY)
    assert (thursday.status, thursday.cancel_reason, thursday.closure) == (
        "cancelled",
        "Clinic closed: Staff training",
        closure,
    )
    assert on(group, WEDNESDAY).status == "scheduled"
    assert list(closure.cancelled_sessions.all()) == [thursday]
    assert (closure.created_by, closure.label, closure.is_withdrawn) == (
        admin,
        "Staff training",
        False,
    )


def test_the_clients_are_told_discreetly_on_each_chosen_channel_and_not_reminded(
    admin, group, opted_in, recording_sms
):
    close(admin, THURSDAY)
    reminders_plan()
    reminders_plan()  # planning again changes nothing

    thursday = on(group, THURSDAY)
    assert set(
        Reminder.objects.filter(session=thursday).values_list("kind", "channel", "status")
    ) == {("cancellation", "email", "pending"), ("cancellation", "sms", "pending")}
    assert reminders_send_due().sent == 2
    (message,) = mail.outbox
    assert message.to == [opted_in.email]
    assert message.subject == "Appointment Thursday, Nov 19 at 6:00 PM cancelled"
    assert "Your appointment on Thursday, November 19 at 6:00 PM is cancelled." in message.body
    (text,) = recording_sms
    assert "Thu Nov 19 6:00 PM is cancelled" in text["body"]
    everything = message.subject + message.body + message.alternatives[0][0] + text["body"]
    for private in ("Relapse", "IOP", "treatment", "Staff training", opted_in.legal_last_name):
        assert private not in everything
    # Wednesday's session is still reminded of as usual.
    assert Reminder.objects.filter(session=on(group, WEDNESDAY), kind="day_before").exists()


def test_no_group_session_materializes_on_a_closed_day_except_as_cancelled(admin, group):
    christmas = date(2026, 12, 24)  # a Thursday, beyond the four weeks on the calendar
    closure = close(admin, christmas, label="Christmas Eve")
    assert not Session.objects.filter(group=group, starts_at__date__gte=christmas).exists()

    with time_machine.travel(local_datetime(date(2026, 12, 1), time(2, 15)), tick=False):
        sessions_materialize()
        sessions_materialize()

    eve = on(group, christmas)
    assert (eve.status, eve.closure, eve.cancel_reason) == (
        "cancelled",
        closure,
        "Clinic closed: Christmas Eve",
    )
    assert on(group, christmas - timedelta(days=1)).status == "scheduled"


def test_an_individual_session_cannot_be_booked_or_moved_onto_a_closed_day(admin, clinician, alice):
    close(admin, THURSDAY, label="Snow day")
    with pytest.raises(ValidationError) as refused:
        session_schedule(
            session_type=SessionType.INDIVIDUAL,
            client=alice,
            clinician=clinician,
            starts_at=local_datetime(THURSDAY, time(11, 0)),
            duration_minutes=50,
            is_telehealth=True,
        )
    assert refused.value.message_dict == {
        "starts_at": ["The clinic is closed on Thu Nov 19 (Snow day)."]
    }
    assert not Session.objects.filter(client=alice).exists()


def test_the_week_of_a_closure_requires_the_share_of_the_clients_sessions_left(
    admin, clinician, group, opted_in
):
    """Adult IOP: 9 hours on 3 days a week. The group went on the calendar on Tuesday, so the
    client's sessions this week are Wednesday and Thursday: with Thursday closed, half is left,
    4.5 hours on 2 days (3 * 1/2 rounds to 2)."""
    close(admin, THURSDAY)
    compliance_recompute_week(week_start=MONDAY)
    week = WeeklyCompliance.objects.get(client=opted_in, week_start=MONDAY)
    assert (week.closed_days, week.required_minutes, week.required_days) == (1, 270, 2)
    # Both days closed: nothing is left to require.
    clinic_closure_withdraw(closure=ClinicClosure.objects.get(), actor=admin, reason="Wrong day")
    close(admin, WEDNESDAY, THURSDAY, label="Thanksgiving")
    compliance_recompute_week(week_start=MONDAY)
    week.refresh_from_db()
    assert (week.closed_days, week.required_minutes, week.required_days) == (2, 0, 0)


def test_a_week_closed_throughout_requires_nothing_and_is_met(admin, group, opted_in):
    close(admin, MONDAY, MONDAY + timedelta(days=6), label="Building repairs")
    compliance_recompute_week(week_start=MONDAY, now=NEXT_MONDAY_3AM)
    week = WeeklyCompliance.objects.get(client=opted_in, week_start=MONDAY)
    assert (week.closed_days, week.required_minutes, week.required_days, week.status) == (
        7,
        0,
        0,
        "met",
    )


def test_a_closure_asks_for_the_recompute_of_every_client_in_the_program_that_week(
    admin, group, opted_in, alice, django_capture_on_commit_callbacks, monkeypatch
):
    """Alice is on no session that week; her requirement changes all the same (a seventh off, as
    she lost no session to measure it by), and the group's client loses half of theirs."""
    enqueued = []
    monkeypatch.setattr(tasks.compliance_recompute_client_weeks, "delay", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        close(admin, THURSDAY)
    asked = {tuple(pair) for client_weeks in enqueued for pair in client_weeks}
    assert asked == {(opted_in.pk, MONDAY.isoformat()), (alice.pk, MONDAY.isoformat())}
    tasks.compliance_recompute_client_weeks([list(pair) for pair in asked])
    required = dict(
        WeeklyCompliance.objects.filter(week_start=MONDAY).values_list("client", "required_minutes")
    )
    assert required == {opted_in.pk: 270, alice.pk: 463}


def test_withdrawing_a_closure_reopens_the_days_and_keeps_the_record(admin, group, opted_in):
    closure = close(admin, THURSDAY)
    reminders_plan()

    clinic_closure_withdraw(closure=closure, actor=admin, reason="Entered for the wrong week")
    reminders_plan()

    closure.refresh_from_db()
    assert (closure.withdrawn_by, closure.withdraw_reason) == (admin, "Entered for the wrong week")
    thursday = on(group, THURSDAY)
    assert (thursday.status, thursday.cancel_reason, thursday.closure) == ("scheduled", "", None)
    kinds = set(Reminder.objects.filter(session=thursday).values_list("kind", "status").distinct())
    assert kinds == {
        ("cancellation", "cancelled"),
        ("day_before", "pending"),
        ("hours_before", "pending"),
    }
    assert reminders_send_due(now=local_datetime(THURSDAY, time(17, 0))).sent >= 1
    assert not any("cancelled" in message.body for message in mail.outbox)
    with pytest.raises(ValidationError, match="already withdrawn"):
        clinic_closure_withdraw(closure=closure, actor=admin, reason="Twice")
    # The closed day can be closed again, as a new record.
    assert close(admin, THURSDAY, label="Snow day").pk != closure.pk


def test_a_closure_cannot_be_deleted_even_in_sql(admin):
    closure = close(admin, THURSDAY)
    with pytest.raises(InternalError, match="closure_keep_rows"), transaction.atomic():
        ClinicClosure.objects.filter(pk=closure.pk).delete()


def nothing_changed(group):
    assert not ClinicClosure.objects.exists()
    assert not Session.objects.filter(group=group, status="cancelled").exists()


@pytest.mark.parametrize(
    ("first_day", "last_day", "label", "field", "message"),
    [
        (THURSDAY, WEDNESDAY, "Snow day", "last_day", "cannot be before the first"),
        (date(1999, 12, 31), date(1999, 12, 31), "Snow day", "first_day", "Enter a date between"),
        (date(2031, 1, 1), date(2031, 1, 1), "Snow day", "first_day", "Enter a date between"),
        (WEDNESDAY, WEDNESDAY + timedelta(days=40), "Summer", "last_day", "at most 31 days"),
        (THURSDAY, THURSDAY, "   ", "label", "Say why the clinic is closed"),
    ],
)
def test_bad_days_or_label_get_a_clear_error_and_change_nothing(
    admin, group, first_day, last_day, label, field, message
):
    with pytest.raises(ValidationError) as refused:
        clinic_closure_create(first_day=first_day, last_day=last_day, label=label, actor=admin)
    assert message in " ".join(refused.value.message_dict[field])
    nothing_changed(group)


def test_a_day_already_closed_is_refused_naming_the_closure(admin, group):
    close(admin, WEDNESDAY, THURSDAY, label="Thanksgiving")
    with pytest.raises(ValidationError) as refused:
        close(admin, THURSDAY, THURSDAY + timedelta(days=1), label="Snow day")
    assert refused.value.message_dict == {
        "first_day": ["The clinic is already closed on Thu Nov 19, 2026 (Thanksgiving)."]
    }
    assert ClinicClosure.objects.count() == 1


def test_a_day_a_session_was_held_cannot_be_closed(admin, group, opted_in):
    held = SessionFactory(group=group, starts_at=local_datetime(MONDAY, time(18, 0)))
    AttendanceFactory(session=held, client=opted_in)
    with pytest.raises(ValidationError, match="The clinic was open then: attendance is already"):
        close(admin, MONDAY, label="Snow day")
    nothing_changed(group)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first_offset=st.integers(min_value=-20000, max_value=20000),
    length=st.integers(min_value=-40, max_value=40),
    label=st.text(max_size=120),
)
def test_any_input_either_closes_exactly_those_days_or_changes_nothing(
    admin, group, first_offset, length, label
):
    first_day = MONDAY + timedelta(days=first_offset)
    last_day = first_day + timedelta(days=length)
    before = set(ClinicClosure.objects.values_list("pk", flat=True))
    refusal = None
    try:
        with transaction.atomic():
            closure = clinic_closure_create(
                first_day=first_day, last_day=last_day, label=label, actor=admin
            )
            transaction.set_rollback(True)
    except ValidationError as error:
        refusal = error
    if refusal is not None:
        assert refusal.message_dict  # keyed by field, for the form
    else:
        assert (closure.first_day, closure.last_day) == (first_day, last_day)
        assert 0 <= length < 31
        assert closure.label.strip()
        assert "\x00" not in label
    assert set(ClinicClosure.objects.values_list("pk", flat=True)) == before
    assert timezone.now() == TUESDAY_10AM
