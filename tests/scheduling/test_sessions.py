"""Group sessions materialized from weekly patterns; individual sessions; conflicts; discharge."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from clients.models import Client
from clients.signals import client_discharged
from groups.models import Group
from groups.services import group_create, group_update
from iop.clock import local_datetime
from iop.models import Role
from scheduling.models import Session, SessionType
from scheduling.services.attendance import drop_in_add
from scheduling.services.sessions import (
    MATERIALIZE_DAYS,
    session_cancel,
    session_reschedule,
    session_schedule,
    sessions_materialize,
)
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgramTrackFactory,
    RoomFactory,
    UserFactory,
)

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def materialized(group):
    """GroupFactory writes the row directly; the app's group_create materializes like this."""
    sessions_materialize(groups=Group.objects.filter(pk=group.pk))
    return group


def local_starts(group):
    return [
        timezone.localtime(s.starts_at)
        for s in Session.objects.filter(group=group).order_by("starts_at")
    ]


@time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK), tick=False)
def test_a_6pm_group_stays_at_6pm_across_the_spring_change():
    group = materialized(GroupFactory(weekdays=[0, 2, 3], first_date=date(2026, 3, 1)))
    starts = local_starts(group)
    assert len(starts) == 12  # four weeks of Mon, Wed, Thu
    assert {s.time() for s in starts} == {time(18, 0)}
    # DST starts on March 8, 2026: the UTC hour changes, the local hour does not.
    utc_hours = {s.astimezone(ZoneInfo("UTC")).hour for s in starts}
    assert utc_hours == {23, 22}


@time_machine.travel(datetime(2026, 10, 26, 9, 0, tzinfo=NEW_YORK), tick=False)
def test_a_6pm_group_stays_at_6pm_across_the_autumn_change():
    group = materialized(GroupFactory(weekdays=[0], first_date=date(2026, 10, 1)))
    starts = local_starts(group)
    assert [s.date() for s in starts] == [date(2026, 10, 26) + timedelta(weeks=w) for w in range(4)]
    assert {s.time() for s in starts} == {time(18, 0)}
    assert {s.astimezone(ZoneInfo("UTC")).hour for s in starts} == {22, 23}


def test_materializing_twice_changes_nothing():
    group = materialized(GroupFactory())
    count = Session.objects.filter(group=group).count()
    assert count > 0
    assert sessions_materialize() == 0
    assert Session.objects.filter(group=group).count() == count


def test_materializing_covers_the_next_four_weeks_from_the_first_date():
    today = timezone.localdate()
    group = materialized(
        GroupFactory(weekdays=list(range(7)), first_date=today + timedelta(days=3))
    )
    days = {timezone.localdate(s.starts_at) for s in Session.objects.filter(group=group)}
    assert min(days) == today + timedelta(days=3)
    assert max(days) == today + timedelta(days=MATERIALIZE_DAYS - 1)


@time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=NEW_YORK), tick=False)
def test_materializing_is_set_based(django_assert_max_num_queries):
    groups = [GroupFactory(weekdays=list(range(7)), first_date=date(2026, 5, 1)) for _ in range(5)]
    with django_assert_max_num_queries(10):
        inserted = sessions_materialize()
    assert inserted == len(groups) * MATERIALIZE_DAYS


@time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=NEW_YORK), tick=False)
def test_a_time_that_has_already_passed_today_starts_tomorrow():
    group = materialized(GroupFactory(weekdays=list(range(7)), first_date=date(2026, 5, 1)))
    assert timezone.localdate(Session.objects.filter(group=group).first().starts_at) == date(
        2026, 6, 1
    )
    group_update(group=group, facilitators=list(group.facilitators.all()), start_time=time(9))
    first = Session.objects.filter(group=group).order_by("starts_at").first()
    assert timezone.localtime(first.starts_at) == datetime(2026, 6, 2, 9, 0, tzinfo=NEW_YORK)


# Early morning: today's session is still ahead at both the old and the new time.
@time_machine.travel(datetime(2026, 11, 23, 7, 0, tzinfo=NEW_YORK), tick=False)
def test_a_changed_time_moves_future_unlogged_sessions_but_never_logged_ones():
    today = timezone.localdate()
    group = materialized(
        GroupFactory(weekdays=list(range(7)), first_date=today - timedelta(days=7))
    )
    past = Session.objects.create(
        session_type=SessionType.GROUP,
        group=group,
        clinician=group.facilitators.first(),
        room=group.room,
        starts_at=local_datetime(today - timedelta(days=1), time(18, 0)),
        ends_at=local_datetime(today - timedelta(days=1), time(21, 0)),
    )
    AttendanceFactory(session=past)
    future = Session.objects.filter(group=group, starts_at__gt=timezone.now()).order_by("starts_at")
    logged_future = future.last()
    AttendanceFactory(session=logged_future)
    moved_pk = future.first().pk

    group_update(group=group, facilitators=list(group.facilitators.all()), start_time=time(9, 30))

    assert timezone.localtime(Session.objects.get(pk=moved_pk).starts_at).time() == time(9, 30)
    assert timezone.localtime(Session.objects.get(pk=past.pk).starts_at).time() == time(18, 0)
    assert timezone.localtime(Session.objects.get(pk=logged_future.pk).starts_at).time() == time(18)


def test_a_dropped_weekday_removes_its_future_unlogged_sessions():
    group = materialized(GroupFactory(weekdays=[0, 2, 3]))
    group_update(group=group, facilitators=list(group.facilitators.all()), weekdays=[0])
    future = Session.objects.filter(group=group, starts_at__gt=timezone.now())
    assert {timezone.localtime(s.starts_at).weekday() for s in future} == {0}


def test_a_dropped_weekday_keeps_a_future_session_that_has_a_drop_in(clinician, alice):
    group = materialized(GroupFactory(weekdays=[0, 2, 3], facilitators=[clinician]))
    wednesday = next(
        s
        for s in Session.objects.filter(group=group, starts_at__gt=timezone.now())
        if timezone.localtime(s.starts_at).weekday() == 2
    )
    drop_in_add(session=wednesday, client=alice, actor=clinician)
    group_update(group=group, facilitators=[clinician], weekdays=[0])
    assert Session.objects.filter(pk=wednesday.pk).exists()


def test_a_cancelled_group_meeting_is_not_brought_back():
    group = materialized(GroupFactory())
    session = Session.objects.filter(group=group, starts_at__gt=timezone.now()).first()
    session_cancel(session=session, reason="Holiday")
    sessions_materialize()
    assert Session.objects.get(pk=session.pk).status == Session.Status.CANCELLED
    assert Session.objects.filter(group=group, starts_at=session.starts_at).count() == 1


def next_local(hour: int, days: int = 2) -> datetime:
    return local_datetime(timezone.localdate() + timedelta(days=days), time(hour, 0))


def test_a_clinician_schedules_weekly_individual_sessions_at_the_same_local_time(clinician, alice):
    sessions = session_schedule(
        session_type=SessionType.INDIVIDUAL,
        client=alice,
        clinician=clinician,
        starts_at=next_local(10),
        duration_minutes=50,
        is_telehealth=True,
        repeat="weekly",
        until=timezone.localdate(next_local(10)) + timedelta(weeks=3),
    )
    assert len(sessions) == 4
    assert {timezone.localtime(s.starts_at).time() for s in sessions} == {time(10, 0)}


def test_a_clinician_cannot_be_in_two_sessions_at_once(clinician, alice, bob):
    session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=next_local(10), duration_minutes=60, is_telehealth=True,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already has a session"):
        session_schedule(
            session_type=SessionType.FAMILY, client=bob, clinician=clinician,
            starts_at=next_local(10) + timedelta(minutes=30), duration_minutes=60,
            is_telehealth=True,
        )  # fmt: skip
    assert Session.objects.filter(client=bob).count() == 0


def test_a_room_cannot_hold_two_sessions_at_once(clinician, second_clinician, alice, bob):
    room = RoomFactory()
    session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=next_local(10), duration_minutes=60, room=room,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already booked"):
        session_schedule(
            session_type=SessionType.INDIVIDUAL, client=bob, clinician=second_clinician,
            starts_at=next_local(10), duration_minutes=60, room=room,
        )  # fmt: skip


def test_a_client_in_a_group_cannot_get_an_individual_session_during_it(second_clinician, alice):
    group = materialized(GroupFactory(weekdays=list(range(7))))
    EnrollmentFactory(group=group, client=alice)
    with pytest.raises(ValidationError, match="Alice Anders already has a session"):
        session_schedule(
            session_type=SessionType.INDIVIDUAL, client=alice, clinician=second_clinician,
            starts_at=next_local(19), duration_minutes=50, is_telehealth=True,
        )  # fmt: skip


def test_reschedule_moves_an_individual_session_and_keeps_the_reason(clinician, alice):
    [session] = session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=next_local(10), duration_minutes=50, is_telehealth=True,
    )  # fmt: skip
    moved = session_reschedule(
        session=session, starts_at=next_local(14), reason="Client works late"
    )
    assert timezone.localtime(moved.starts_at).hour == 14
    assert moved.length_minutes == 50
    assert moved.reschedule_reason == "Client works late"


def test_reschedule_onto_a_busy_clinician_is_refused_and_changes_nothing(clinician, alice, bob):
    [first] = session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=next_local(10), duration_minutes=50, is_telehealth=True,
    )  # fmt: skip
    session_schedule(
        session_type=SessionType.INDIVIDUAL, client=bob, clinician=clinician,
        starts_at=next_local(14), duration_minutes=50, is_telehealth=True,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        session_reschedule(session=first, starts_at=next_local(14), reason="Move")
    first.refresh_from_db()
    assert timezone.localtime(first.starts_at).hour == 10


def test_cancel_needs_a_reason(clinician, alice):
    [session] = session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=next_local(10), duration_minutes=50, is_telehealth=True,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        session_cancel(session=session, reason="   ")
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_a_discharged_client_cannot_be_scheduled(clinician):
    client = ClientFactory(status=Client.Status.REFERRED)
    Client.objects.filter(pk=client.pk).update(
        status=Client.Status.DISCHARGED,
        admission_date=date(2026, 1, 1),
        discharge_date=date(2026, 2, 1),
    )
    with pytest.raises(ValidationError, match="discharged"):
        session_schedule(
            session_type=SessionType.INDIVIDUAL, client=client, clinician=clinician,
            starts_at=next_local(10), duration_minutes=50, is_telehealth=True,
        )  # fmt: skip


def discharge(client, on):
    """What `clients.services.discharge.client_discharge` does for the other apps: send the signal."""
    client_discharged.send(
        sender=Client, client=client, discharge_date=on, discharged_by=client.primary_clinician
    )


def test_discharge_ends_enrollments_and_cancels_later_individual_sessions(clinician, alice):
    today = timezone.localdate()
    enrollment = EnrollmentFactory(client=alice)
    later = session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=next_local(10, days=3), duration_minutes=50, is_telehealth=True,
        repeat="weekly", until=timezone.localdate() + timedelta(days=10),
    )  # fmt: skip
    discharge(alice, today + timedelta(days=1))
    enrollment.refresh_from_db()
    assert enrollment.end_date == today + timedelta(days=1)
    assert {s.status for s in Session.objects.filter(pk__in=[s.pk for s in later])} == {
        Session.Status.CANCELLED
    }


class TestScheduleBadInput(HypothesisTestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        duration=st.one_of(st.integers(max_value=0), st.integers(min_value=481, max_value=10_000)),
        repeats=st.integers(min_value=1, max_value=3),
    )
    def test_a_bad_duration_is_refused_and_nothing_is_scheduled(self, duration, repeats):
        clinician = UserFactory(role=Role.CLINICIAN)
        client = ClientFactory(primary_clinician=clinician)
        with pytest.raises(ValidationError) as error:
            session_schedule(
                session_type=SessionType.INDIVIDUAL, client=client, clinician=clinician,
                starts_at=next_local(10), duration_minutes=duration, is_telehealth=True,
                repeat="weekly" if repeats > 1 else "",
                until=timezone.localdate(next_local(10)) + timedelta(weeks=repeats - 1),
            )  # fmt: skip
        assert "duration_minutes" in error.value.message_dict
        assert not Session.objects.filter(client=client).exists()


def test_groups_without_sessions_yet_are_materialized_by_the_daily_job():
    group = GroupFactory()
    from scheduling.tasks import group_sessions_materialize

    group_sessions_materialize()
    assert Session.objects.filter(group=group).exists()
    assert Group.objects.count() == 1


def test_a_group_pattern_that_double_books_its_facilitator_is_refused(clinician, alice):
    [therapy] = session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=next_local(18, days=2), duration_minutes=50, is_telehealth=True,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="facilitator or the room already has"):
        group_create(
            name="Daily Process", group_type="interpersonal_process",
            track=ProgramTrackFactory(), facilitators=[clinician], capacity=8,
            weekdays=list(range(7)), start_time=time(17, 30), duration_minutes=90,
            first_date=timezone.localdate(), is_telehealth=True,
        )  # fmt: skip
    assert not Group.objects.filter(name="Daily Process").exists()
    assert Session.objects.filter(group__isnull=False).count() == 0
    assert Session.objects.get(pk=therapy.pk).status == Session.Status.SCHEDULED


def test_beyond_the_materialized_weeks_a_session_is_checked_against_the_groups_patterns(
    clinician, alice
):
    """Group meetings are on the calendar four weeks ahead; a later booking is checked against
    the meetings the patterns will add, so no horizon is needed."""
    EnrollmentFactory(
        client=alice,
        group=GroupFactory(weekdays=list(range(7)), start_time=time(10), duration_minutes=90),
    )
    later = next_local(10, days=MATERIALIZE_DAYS + 7)
    with pytest.raises(ValidationError, match="Alice Anders already has a session then"):
        session_schedule(
            session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
            starts_at=later, duration_minutes=50, is_telehealth=True,
        )  # fmt: skip
    [booked] = session_schedule(
        session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
        starts_at=later + timedelta(hours=2), duration_minutes=50, is_telehealth=True,
    )  # fmt: skip
    assert timezone.localdate(booked.starts_at) == timezone.localdate(later)


def test_materializing_from_an_earlier_moment_leaves_the_later_calendar_alone():
    group = materialized(GroupFactory(first_date=timezone.localdate() - timedelta(days=30)))
    ahead = set(Session.objects.filter(group=group).values_list("pk", flat=True))
    sessions_materialize(
        groups=Group.objects.filter(pk=group.pk), now=timezone.now() - timedelta(days=7)
    )
    assert ahead <= set(Session.objects.filter(group=group).values_list("pk", flat=True))
    assert Session.objects.filter(group=group, starts_at__lt=timezone.now()).exists()
