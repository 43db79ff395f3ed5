"""Roster history is never destroyed: an end before the start is refused, a mistaken enrollment is
voided (kept, with who and why) and then counts nowhere, and a discharge ends or voids."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from clients.models import Discharge
from clients.services.discharge import client_discharge
from groups.models import Enrollment
from groups.selectors import (
    enrollment_list,
    group_list,
    planned_week_by_client,
    roster_candidate_list,
)
from groups.services import (
    DISCHARGED_BEFORE_START,
    enrollment_create,
    enrollment_end,
    enrollment_void,
)
from scheduling.models import SessionClient
from scheduling.selectors.attendance import roster_client_list, session_day_list
from scheduling.selectors.sessions import client_session_list, clinic_day_list
from tests.factories import EnrollmentFactory, GroupFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_withdrawing_with_an_end_date_before_the_start_is_refused_and_keeps_the_enrollment(
    alice,
):
    enrollment = EnrollmentFactory(client=alice, start_date=timezone.localdate())
    with pytest.raises(ValidationError) as refused:
        enrollment_end(enrollment=enrollment, end_date=enrollment.start_date - timedelta(days=1))
    assert "void it instead" in refused.value.message_dict["end_date"][0]
    enrollment.refresh_from_db()
    assert (enrollment.end_date, enrollment.voided_at) == (None, None)


def test_withdrawing_a_future_enrollment_before_it_starts_is_refused_too(alice):
    today = timezone.localdate()
    future = EnrollmentFactory(client=alice, start_date=today + timedelta(days=5))
    with pytest.raises(ValidationError) as refused:
        enrollment_end(enrollment=future, end_date=today)
    assert "end_date" in refused.value.message_dict
    assert Enrollment.objects.get(pk=future.pk).end_date is None


def test_a_voided_enrollment_keeps_its_row_with_who_and_why(admin, alice):
    enrollment = EnrollmentFactory(client=alice)
    enrollment_void(enrollment=enrollment, actor=admin, reason="  Enrolled in the wrong group ")
    enrollment.refresh_from_db()
    assert enrollment.is_voided
    assert enrollment.voided_by == admin
    assert enrollment.void_reason == "Enrolled in the wrong group"
    assert enrollment.voided_at <= timezone.now()


def test_a_void_without_a_reason_is_refused_and_changes_nothing(admin, alice):
    enrollment = EnrollmentFactory(client=alice)
    with pytest.raises(ValidationError) as refused:
        enrollment_void(enrollment=enrollment, actor=admin, reason="   ")
    assert "void_reason" in refused.value.message_dict
    assert not Enrollment.objects.get(pk=enrollment.pk).is_voided


def test_a_voided_enrollment_is_final(admin, alice):
    enrollment = enrollment_void(
        enrollment=EnrollmentFactory(client=alice), actor=admin, reason="Duplicate"
    )
    with pytest.raises(ValidationError, match="voided"):
        enrollment_end(enrollment=enrollment, end_date=timezone.localdate())
    with pytest.raises(ValidationError, match="voided"):
        enrollment_void(enrollment=enrollment, actor=admin, reason="Again")
    with (
        pytest.raises(InternalError, match="enrollment_final_once_voided"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE groups_enrollment SET voided_at = NULL, voided_by_id = NULL, void_reason = ''"
            " WHERE id = %s",
            [enrollment.pk],
        )
    assert Enrollment.objects.get(pk=enrollment.pk).void_reason == "Duplicate"


@pytest.mark.parametrize(
    "assignments",
    ["voided_at = now(), void_reason = 'Duplicate'", "voided_at = now(), voided_by_id = %s"],
    ids=["without who", "without why"],
)
def test_the_database_refuses_a_void_without_who_or_why(admin, alice, assignments):
    enrollment = EnrollmentFactory(client=alice)
    params = [admin.pk] if "%s" in assignments else []
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE groups_enrollment SET {assignments} WHERE id = %s", [*params, enrollment.pk]
        )
    assert not Enrollment.objects.get(pk=enrollment.pk).is_voided


def test_deleting_an_enrollment_with_raw_sql_is_refused(alice):
    enrollment = EnrollmentFactory(client=alice)
    with (
        pytest.raises(InternalError, match="enrollment_never_deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM groups_enrollment WHERE id = %s", [enrollment.pk])
    with pytest.raises(InternalError), transaction.atomic():
        enrollment.delete()
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()


def test_covering_is_the_one_definition_of_enrolled_on_a_day(admin, alice, bob):
    today = timezone.localdate()
    ended = EnrollmentFactory(
        client=alice, start_date=today - timedelta(days=9), end_date=today - timedelta(days=3)
    )
    open_ended = EnrollmentFactory(client=bob, start_date=today - timedelta(days=3))
    assert set(Enrollment.objects.covering(today - timedelta(days=3))) == {ended, open_ended}
    assert set(Enrollment.objects.covering(today - timedelta(days=2))) == {open_ended}
    assert set(Enrollment.objects.covering(today - timedelta(days=10))) == set()
    open_ended = enrollment_void(enrollment=open_ended, actor=admin, reason="Wrong client")
    assert set(Enrollment.objects.covering(today)) == set()
    assert set(Enrollment.objects.live()) == {ended}
    assert not open_ended.covers(today)


def test_a_voided_enrollment_counts_nowhere(admin, clinician, alice, bob):
    """Not on the roster or in the catalogue count, not in capacity, not in the client's schedule,
    a session's attendance sheet, Today's roster size or the reminder jobs' clients, not in the
    planned weekly hours."""
    today = timezone.localdate()
    group = GroupFactory(capacity=1, facilitators=[clinician])
    session = SessionFactory(group=group, clinician=clinician)  # today, 6 pm
    enrollment = enrollment_create(group=group, client=alice, start_date=today)
    enrollment_void(enrollment=enrollment, actor=admin, reason="Meant the evening group")

    assert list(enrollment_list(group=group, on=today)) == []
    assert group_list(on=today).get(pk=group.pk).enrolled == 0
    assert list(roster_candidate_list(group=group, query="Alice", on=today)) == [alice]
    assert session not in client_session_list(client=alice, first=today, last=today)
    assert list(roster_client_list(session=session)) == []
    (row,) = [row for row in session_day_list(user=clinician, day=today) if row.pk == session.pk]
    assert row.enrolled_count == 0
    assert clinic_day_list(day=today).get(pk=session.pk).roster_count == 0
    assert not SessionClient.objects.filter(session=session).exists()
    assert planned_week_by_client(clients=[alice], week_of=today)[alice.pk].minutes == 0
    # Its place is free again, for Bob or for Alice herself.
    enrollment_create(group=group, client=bob, start_date=today)
    assert [e.client for e in enrollment_list(group=group, on=today)] == [bob]
    assert Enrollment.objects.filter(client=alice).get().is_voided


def test_discharge_voids_an_enrollment_that_had_not_started_and_ends_the_others(clinician, alice):
    today = timezone.localdate()
    started = EnrollmentFactory(client=alice, start_date=today - timedelta(days=7))
    future = EnrollmentFactory(client=alice, start_date=today + timedelta(days=7))
    client_discharge(
        client=alice,
        discharge_date=today,
        reason=Discharge.Reason.COMPLETED,
        summary="Completed the program.",
        actor=clinician,
    )
    started.refresh_from_db()
    future.refresh_from_db()
    assert (started.end_date, started.is_voided) == (today, False)
    assert future.end_date is None
    assert (future.voided_by, future.void_reason) == (clinician, DISCHARGED_BEFORE_START)
    assert Enrollment.objects.filter(client=alice).count() == 2
