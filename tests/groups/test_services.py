"""Group catalogue and rosters: creating groups, enrolling, withdrawing, planned hours."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from clients.models import Client, ProgramTrack
from groups.models import Enrollment, Group, GroupType
from groups.selectors import planned_week_by_client
from groups.services import enrollment_create, enrollment_end, group_create
from iop.clock import week_start_of
from iop.models import Role
from scheduling.models import Session
from tests.factories import (
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgramTrackFactory,
    RoomFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def make_group(**overrides):
    fields = {
        "name": "Evening Relapse Prevention",
        "group_type": GroupType.RELAPSE_PREVENTION,
        "track": ProgramTrackFactory(),
        "facilitators": [UserFactory(role=Role.CLINICIAN)],
        "capacity": 10,
        "weekdays": [0, 2, 3],
        "start_time": time(18, 0),
        "duration_minutes": 180,
        "first_date": timezone.localdate(),
        "room": RoomFactory(),
    }
    return group_create(**{**fields, **overrides})


def test_creating_a_group_puts_its_sessions_on_the_calendar():
    group = make_group()
    sessions = Session.objects.filter(group=group)
    assert sessions.count() >= 11  # Mon, Wed, Thu for four weeks, less any day already gone
    assert {timezone.localtime(s.starts_at).weekday() for s in sessions} == {0, 2, 3}


def test_a_telehealth_group_needs_no_room():
    group = make_group(room=None, is_telehealth=True)
    assert Session.objects.filter(group=group, is_telehealth=True, room=None).exists()


def test_a_group_without_a_room_or_telehealth_is_refused():
    with pytest.raises(ValidationError) as error:
        make_group(room=None)
    assert "room" in error.value.message_dict
    assert not Group.objects.exists()


def test_a_group_larger_than_its_room_is_refused():
    with pytest.raises(ValidationError, match="holds only 15"):
        make_group(capacity=16, room=RoomFactory(capacity=15))


def test_facilitators_must_be_clinicians(admin):
    with pytest.raises(ValidationError) as error:
        make_group(facilitators=[admin])
    assert "facilitators" in error.value.message_dict


class TestGroupBadInput(HypothesisTestCase):
    @settings(max_examples=20, deadline=None)
    @given(
        st.one_of(
            st.fixed_dictionaries({"duration_minutes": st.integers(-10, 0)}),
            st.fixed_dictionaries({"duration_minutes": st.integers(481, 5000)}),
            st.fixed_dictionaries({"capacity": st.integers(-5, 0)}),
            st.fixed_dictionaries(
                {"weekdays": st.lists(st.integers(7, 50) | st.integers(-9, -1), min_size=1)}
            ),
            st.fixed_dictionaries({"weekdays": st.just([])}),
            st.fixed_dictionaries(
                {"last_date": st.integers(1, 400).map(lambda n: date(2026, 1, 1) - timedelta(n))}
            ),
        )
    )
    def test_bad_input_is_refused_with_a_field_error_and_nothing_is_created(self, bad):
        with pytest.raises(ValidationError) as error:
            make_group(first_date=date(2026, 1, 1), **bad)
        assert set(bad) & set(error.value.message_dict)
        assert not Group.objects.exists()
        assert not Session.objects.exists()


def test_alice_is_enrolled_and_planned_hours_count_her_groups(alice):
    today = timezone.localdate()
    enrollment_create(group=GroupFactory(weekdays=[0, 2]), client=alice, start_date=today)
    enrollment_create(
        group=GroupFactory(weekdays=[4], start_time=time(9, 0), duration_minutes=90),
        client=alice,
        start_date=today,
    )
    planned = planned_week_by_client(clients=[alice], week_of=today + timedelta(days=7))[alice.pk]
    assert planned.minutes == 180 * 2 + 90
    assert str(planned) == "7.5 of 9 hours planned, 3 of 3 days"
    assert planned.is_short


def test_planned_hours_leave_out_days_before_the_enrollment_starts(alice):
    monday = week_start_of(timezone.localdate()) + timedelta(days=7)
    enrollment_create(
        group=GroupFactory(weekdays=[0, 2, 3]), client=alice, start_date=monday + timedelta(days=2)
    )
    planned = planned_week_by_client(clients=[alice], week_of=monday)[alice.pk]
    assert (planned.minutes, planned.days) == (360, 2)
    assert str(planned) == "6 of 9 hours planned, 2 of 3 days"


def test_a_full_group_refuses_another_client(alice, bob):
    group = GroupFactory(capacity=1)
    enrollment_create(group=group, client=alice, start_date=timezone.localdate())
    with pytest.raises(ValidationError, match="full"):
        enrollment_create(group=group, client=bob, start_date=timezone.localdate())
    assert not Enrollment.objects.filter(client=bob).exists()


def test_a_client_on_another_track_is_refused(alice):
    adolescent = ProgramTrack.objects.get(code="adolescent")
    with pytest.raises(ValidationError, match="track"):
        enrollment_create(
            group=GroupFactory(track=adolescent), client=alice, start_date=timezone.localdate()
        )


def test_a_client_not_yet_admitted_is_refused():
    client = ClientFactory(status=Client.Status.REFERRED)
    with pytest.raises(ValidationError, match="referred: only active clients"):
        enrollment_create(group=GroupFactory(), client=client, start_date=timezone.localdate())


def test_a_discharged_client_is_refused(alice):
    Client.objects.filter(pk=alice.pk).update(
        status=Client.Status.DISCHARGED, discharge_date=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="discharged: only active clients"):
        enrollment_create(group=GroupFactory(), client=alice, start_date=timezone.localdate())
    assert not Enrollment.objects.exists()


def test_overlapping_enrollment_in_the_same_group_is_refused(alice):
    group = GroupFactory()
    today = timezone.localdate()
    enrollment_create(group=group, client=alice, start_date=today, end_date=today + timedelta(30))
    with pytest.raises(ValidationError, match="already enrolled"):
        enrollment_create(group=group, client=alice, start_date=today + timedelta(days=10))
    enrollment_create(group=group, client=alice, start_date=today + timedelta(days=31))


def test_a_group_that_clashes_with_the_clients_other_group_is_refused(alice):
    today = timezone.localdate()
    enrollment_create(group=GroupFactory(weekdays=[0, 2]), client=alice, start_date=today)
    clashing = GroupFactory(weekdays=[2, 4], start_time=time(20, 0), duration_minutes=60)
    with pytest.raises(ValidationError, match="same time"):
        enrollment_create(group=clashing, client=alice, start_date=today)
    morning = GroupFactory(weekdays=[2], start_time=time(9, 0), duration_minutes=120)
    enrollment_create(group=morning, client=alice, start_date=today)


def test_end_before_start_is_refused(alice):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        enrollment_create(
            group=GroupFactory(), client=alice, start_date=today, end_date=today - timedelta(1)
        )
    assert "end_date" in error.value.message_dict


def test_withdrawing_sets_the_last_day_and_one_that_never_started_is_refused_not_removed(alice):
    today = timezone.localdate()
    current = EnrollmentFactory(client=alice, start_date=today - timedelta(days=10))
    assert enrollment_end(enrollment=current, end_date=today).end_date == today
    future = EnrollmentFactory(client=alice, start_date=today + timedelta(days=5))
    with pytest.raises(ValidationError, match="void it instead"):
        enrollment_end(enrollment=future, end_date=today)
    assert Enrollment.objects.get(pk=future.pk).end_date is None


def test_a_group_in_a_room_another_group_uses_at_that_time_is_refused():
    room = RoomFactory()
    make_group(name="Evening A", room=room)
    with pytest.raises(ValidationError, match="is used by Evening A"):
        make_group(name="Evening B", room=room, weekdays=[3], start_time=time(20, 0))
    make_group(name="Morning B", room=room, weekdays=[3], start_time=time(9, 0))


def test_a_facilitator_cannot_lead_two_groups_at_once(clinician):
    make_group(name="Evening A", facilitators=[clinician])
    with pytest.raises(ValidationError) as error:
        make_group(name="Evening B", facilitators=[clinician], weekdays=[2])
    assert "already leads Evening A" in error.value.message_dict["facilitators"][0]


class TestEnrollmentDates(HypothesisTestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        start=st.integers(-30, 60).map(lambda n: date(2026, 6, 1) + timedelta(days=n)),
        length=st.one_of(st.none(), st.integers(-20, 90)),
    )
    def test_any_dates_either_enroll_or_are_refused_without_a_trace(self, start, length):
        end = None if length is None else start + timedelta(days=length)
        client = ClientFactory()
        group = GroupFactory()
        if end is not None and end < start:
            with pytest.raises(ValidationError) as error:
                enrollment_create(group=group, client=client, start_date=start, end_date=end)
            assert "end_date" in error.value.message_dict
            assert not Enrollment.objects.exists()
        else:
            enrollment = enrollment_create(
                group=group, client=client, start_date=start, end_date=end
            )
            assert (enrollment.start_date, enrollment.end_date) == (start, end)
