"""attendance_record and friends, called as plain functions."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Client
from iop.clock import week_start_of
from scheduling.models import (
    Attendance,
    AttendanceAmendment,
    AttendanceStatus,
    DropIn,
    SessionLog,
    SessionType,
)
from scheduling.services.attendance import (
    AttendanceConflict,
    drop_in_add,
    individual_session_log,
    session_summary_update,
)
from scheduling.services.notes import note_sign
from tests.factories import ClientFactory, EnrollmentFactory, ProgressNoteFactory
from tests.helpers import undone
from tests.scheduling.helpers import current_version, record, session_in_progress

P, LATE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT


def sheet(session):
    return dict(
        Attendance.objects.filter(session=session).values_list("client_id", "status")
    ), dict(Attendance.objects.filter(session=session).values_list("client_id", "minutes_attended"))


def test_a_clinician_records_a_late_arrival_and_an_absence(group_session, clinician, alice, bob):
    log = record(group_session, clinician, (alice, LATE, 150), (bob, ABSENT, 0))
    statuses, minutes = sheet(group_session)
    assert statuses == {alice.pk: LATE, bob.pk: ABSENT}
    assert minutes == {alice.pk: 150, bob.pk: 0}
    assert log.attendance_version == 1
    assert log.attendance_taken_at is not None


def test_saving_again_updates_rows_in_place_and_audits_the_change(group_session, clinician, alice):
    record(group_session, clinician, (alice, P, 180))
    record(group_session, clinician, (alice, LATE, 120))
    row = Attendance.objects.get(session=group_session, client=alice)
    assert (row.status, row.minutes_attended) == (LATE, 120)
    entries = LogEntry.objects.get_for_object(row).order_by("timestamp")
    assert [entry.changes["status"] for entry in entries] == [[None, P], [P, LATE]]
    assert all(entry.actor == clinician for entry in entries)


@pytest.mark.parametrize(
    ("status", "minutes", "error"),
    [
        (P, -5, "cannot be negative"),
        (P, 181, "At most 180 minutes"),
        (P, 0, "at least one minute"),
        (ABSENT, 30, "Absent means 0 minutes"),
        ("asleep", 0, "Choose a status"),
    ],
)
def test_bad_rows_are_refused_with_a_clear_error_and_nothing_is_saved(
    group_session, clinician, alice, bob, status, minutes, error
):
    with pytest.raises(ValidationError) as refused:
        record(group_session, clinician, (bob, P, 180), (alice, status, minutes))
    assert error in refused.value.message_dict[str(alice.pk)][0]
    assert not Attendance.objects.filter(session=group_session).exists()
    assert current_version(group_session) == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from([*AttendanceStatus.values, "", "present "]),
    minutes=st.integers(min_value=-1000, max_value=1000),
)
def test_any_status_and_minutes_is_saved_only_when_consistent(
    group_session, clinician, alice, status, minutes
):
    with undone():
        attended = status in (P, LATE, AttendanceStatus.LEFT_EARLY)
        valid = status in AttendanceStatus.values and (
            (attended and 0 < minutes <= 180) or (not attended and minutes == 0)
        )
        if not valid:
            with pytest.raises(ValidationError) as refused:
                record(group_session, clinician, (alice, status, minutes))
            assert str(alice.pk) in refused.value.message_dict
            assert not Attendance.objects.filter(session=group_session).exists()
            return
        record(group_session, clinician, (alice, status, minutes))
        row = Attendance.objects.get(session=group_session, client=alice)
        assert (row.status, row.minutes_attended) == (status, minutes)


def test_a_client_not_on_the_roster_needs_to_be_added_as_a_drop_in(group_session, clinician, alice):
    visitor = ClientFactory()
    with pytest.raises(ValidationError) as refused:
        record(group_session, clinician, (alice, P, 180), (visitor, P, 180))
    assert "add them as a drop-in" in refused.value.message_dict[str(visitor.pk)][0]
    assert not Attendance.objects.filter(session=group_session).exists()

    drop_in_add(session=group_session, client=visitor, actor=clinician)
    record(group_session, clinician, (alice, P, 180), (visitor, P, 180))
    assert Attendance.objects.filter(session=group_session).count() == 2


def test_an_enrolled_or_discharged_client_cannot_be_added_as_a_drop_in(
    group_session, clinician, alice
):
    with pytest.raises(ValidationError, match="already on the roster"):
        drop_in_add(session=group_session, client=alice, actor=clinician)
    referred = ClientFactory(status=Client.Status.REFERRED)
    with pytest.raises(ValidationError, match="admitted to the program"):
        drop_in_add(session=group_session, client=referred, actor=clinician)
    assert not DropIn.objects.exists()


def test_a_client_whose_enrollment_ended_before_the_session_is_not_on_its_roster(group, clinician):
    leaver = ClientFactory()
    EnrollmentFactory(group=group, client=leaver, end_date=timezone.localdate() - timedelta(days=1))
    session = session_in_progress(group=group)
    with pytest.raises(ValidationError, match="not on the roster"):
        record(session, clinician, (leaver, P, 180))


def test_another_clinician_cannot_take_attendance_of_a_session_they_do_not_run(
    group_session, second_clinician, alice
):
    with pytest.raises(ValidationError, match="Only the clinicians who run this session"):
        record(group_session, second_clinician, (alice, P, 180))
    assert not Attendance.objects.exists()


def test_attendance_waits_until_the_session_starts(group, clinician, alice):
    EnrollmentFactory(group=group, client=alice)
    later = session_in_progress(group=group)
    later.starts_at += timedelta(hours=2)
    later.ends_at += timedelta(hours=2)
    later.save()
    with pytest.raises(ValidationError, match="not started yet"):
        record(later, clinician, (alice, P, 180))


def test_a_stale_sheet_is_refused_with_a_reload_message(group_session, clinician, alice, bob):
    record(group_session, clinician, (alice, P, 180), version=0)
    with pytest.raises(AttendanceConflict, match="Reload the page"):
        record(group_session, clinician, (alice, ABSENT, 0), (bob, P, 180), version=0)
    assert sheet(group_session)[0] == {alice.pk: P}


def test_after_a_note_is_signed_attendance_changes_only_with_a_reason(
    group_session, clinician, alice, bob
):
    record(group_session, clinician, (alice, P, 180), (bob, P, 180))
    note_sign(note=ProgressNoteFactory(session=group_session, client=alice), actor=clinician)
    with pytest.raises(ValidationError) as refused:
        record(group_session, clinician, (bob, LATE, 170))
    assert "give a reason" in refused.value.message_dict["amendment_reason"][0]
    assert sheet(group_session)[0][bob.pk] == P

    record(group_session, clinician, (bob, LATE, 170), reason="Arrived at 6:10, sign-in sheet")
    amendment = AttendanceAmendment.objects.get()
    assert amendment.amended_by == clinician
    assert amendment.changes == {str(bob.pk): {"before": [P, 180], "after": [LATE, 170]}}
    assert LogEntry.objects.get_for_object(amendment).exists()


def test_saving_an_unchanged_sheet_after_signing_needs_no_reason(group_session, clinician, alice):
    record(group_session, clinician, (alice, P, 180))
    note_sign(note=ProgressNoteFactory(session=group_session, client=alice), actor=clinician)
    record(group_session, clinician, (alice, P, 180))
    assert not AttendanceAmendment.objects.exists()


@pytest.mark.parametrize("size", [1, 15])
def test_saving_a_sheet_takes_the_same_number_of_statements_for_any_roster(group, clinician, size):
    clients = [EnrollmentFactory(group=group).client for _ in range(size)]
    session = session_in_progress(group=group)
    # The audit log's content types are cached per process once read (a test that flushed the
    # database empties that cache): read them first, so the count is the save's alone.
    ContentType.objects.get_for_models(Attendance, SessionLog)
    with CaptureQueriesContext(connection) as queries:
        record(session, clinician, *[(client, P, 180) for client in clients], version=0)
    assert Attendance.objects.filter(session=session).count() == size
    assert len(queries) == STATEMENTS_TO_SAVE


# Lock the session (checking the clinician), fetch or create its log, read the roster, the sheet
# and signed notes, one upsert, one audit insert, bump the version, plus savepoints: never per row.
STATEMENTS_TO_SAVE = 16


def test_the_group_summary_is_saved_for_the_session(group_session, clinician):
    log = session_summary_update(
        session=group_session,
        actor=clinician,
        topic=" Coping with cravings ",
        interventions="CBT urge surfing; role play",
    )
    assert (log.topic, log.interventions) == ("Coping with cravings", "CBT urge surfing; role play")


def test_an_individual_session_records_when_it_was_really_held(
    hours_into_the_clinic_day, clinician, alice
):
    session = session_in_progress(
        session_type=SessionType.INDIVIDUAL, group=None, client=alice, clinician=clinician
    )
    started = session.starts_at + timedelta(minutes=5)
    log = individual_session_log(
        session=session,
        actor=clinician,
        session_type=SessionType.FAMILY,
        held_starts_at=started,
        held_ends_at=started + timedelta(minutes=50),
        status=P,
        minutes_attended=50,
        expected_version=0,
    )
    session.refresh_from_db()
    assert session.session_type == SessionType.FAMILY
    assert (log.held_ends_at - log.held_starts_at) == timedelta(minutes=50)
    row = Attendance.objects.get(session=session)
    assert (row.minutes_attended, row.session_minutes) == (50, 50)


def test_an_individual_session_cannot_count_more_minutes_than_it_was_held(
    hours_into_the_clinic_day, clinician, alice
):
    session = session_in_progress(
        session_type=SessionType.INDIVIDUAL, group=None, client=alice, clinician=clinician
    )
    with pytest.raises(ValidationError) as refused:
        individual_session_log(
            session=session,
            actor=clinician,
            session_type=SessionType.INDIVIDUAL,
            held_starts_at=session.starts_at,
            held_ends_at=session.starts_at + timedelta(minutes=30),
            status=P,
            minutes_attended=45,
            expected_version=0,
        )
    assert "At most 30 minutes" in refused.value.message_dict[str(alice.pk)][0]
    assert not Attendance.objects.exists()


def test_recording_attendance_recomputes_the_weeks_hours_after_commit(
    group_session, clinician, alice, django_capture_on_commit_callbacks, monkeypatch
):
    from scheduling import tasks

    enqueued = []
    monkeypatch.setattr(tasks.compliance_recompute_client_weeks, "delay", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        record(group_session, clinician, (alice, P, 180))
    week = week_start_of(timezone.localdate(group_session.starts_at))
    assert enqueued == [[(alice.pk, week.isoformat())]]


def test_an_empty_sheet_is_refused(group_session, clinician):
    with pytest.raises(ValidationError, match="at least one client"):
        record(group_session, clinician)
    assert current_version(group_session) == 0
