"""A clinic closure lowers a client's week by what the client lost: the share of their own session
time that week (sessions counting toward hours, in the program) that fell on closed days, in
minutes and in days. A client with no session that week falls back on the calendar days closed."""

from datetime import date, time, timedelta

import pytest
import time_machine

from iop.clock import local_datetime
from scheduling.models import WeeklyCompliance
from scheduling.services.closures import clinic_closure_create
from scheduling.services.compliance import compliance_recompute_week
from scheduling.services.sessions import session_cancel
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    SessionFactory,
)

MONDAY = date(2026, 11, 16)
WEDNESDAY, THURSDAY = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)
NEXT_MONDAY_3AM = local_datetime(MONDAY + timedelta(days=7), time(3, 0))


@pytest.fixture(autouse=True)
def before_the_week():
    """Sunday night before the week: every session of it is still ahead."""
    with time_machine.travel(local_datetime(MONDAY - timedelta(days=1), time(20, 0)), tick=False):
        yield


def group_on(weekdays, *, minutes=180):
    """A group with its meetings of the week on the calendar (6 pm, `minutes` long)."""
    group = GroupFactory(weekdays=weekdays, duration_minutes=minutes)
    for weekday in weekdays:
        starts_at = local_datetime(MONDAY + timedelta(days=weekday), time(18, 0))
        SessionFactory(
            group=group, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes)
        )
    return group


def member(group, *, admitted=MONDAY - timedelta(days=30)):
    client = ClientFactory(admission_date=admitted)
    EnrollmentFactory(group=group, client=client, start_date=admitted)
    return client


def close(admin, first_day, last_day=None, label="Staff training"):
    return clinic_closure_create(
        first_day=first_day, last_day=last_day or first_day, label=label, actor=admin
    )


def week_of(client, now=None):
    compliance_recompute_week(week_start=MONDAY, now=now)
    week = WeeklyCompliance.objects.get(client=client, week_start=MONDAY)
    return week.closed_days, week.required_minutes, week.required_days


def test_a_three_day_group_that_loses_one_day_needs_the_two_days_left(admin):
    """Adult IOP, 9 hours on 3 days; the group meets Mon, Wed, Thu for 3 hours. Thursday closed
    takes a third: 6 hours on 2 days, which the two sessions left can meet."""
    group = group_on([0, 2, 3])
    client = member(group)
    close(admin, THURSDAY, label="Thanksgiving")
    assert week_of(client) == (1, 360, 2)

    for session in group.sessions.filter(status="scheduled"):
        AttendanceFactory(session=session, client=client)
    assert week_of(client, now=NEXT_MONDAY_3AM) == (1, 360, 2)
    assert WeeklyCompliance.objects.get(client=client, week_start=MONDAY).status == "met"


def test_a_five_day_group_loses_a_fifth_per_closed_day(admin):
    """Mon to Fri, 2 hours a day: one day closed takes a fifth (540 * 4/5, 3 * 4/5 rounds to 2
    days); with three days closed two fifths are left (216 minutes, 3 * 2/5 rounds to 1 day)."""
    group = group_on([0, 1, 2, 3, 4], minutes=120)
    client = member(group)
    close(admin, WEDNESDAY)
    assert week_of(client) == (1, 432, 2)
    close(admin, THURSDAY, THURSDAY + timedelta(days=1), label="Thanksgiving")
    assert week_of(client) == (3, 216, 1)


def test_a_client_admitted_mid_week_loses_the_share_of_their_own_days(admin):
    """Admitted Wednesday: 5 days of 7 in the program, on the Wednesday and Thursday sessions
    only; Thursday closed takes half of those: 540 * 5/7 * 1/2 = 193 minutes, on 1 day."""
    group = group_on([0, 2, 3])
    client = member(group, admitted=WEDNESDAY)
    close(admin, THURSDAY)
    assert week_of(client) == (1, 193, 1)


def test_a_week_closed_throughout_requires_nothing(admin):
    group = group_on([0, 2, 3])
    client = member(group)
    close(admin, MONDAY, MONDAY + timedelta(days=6), label="Building repairs")
    assert week_of(client, now=NEXT_MONDAY_3AM) == (7, 0, 0)
    assert WeeklyCompliance.objects.get(client=client, week_start=MONDAY).status == "met"


def test_losing_every_session_of_the_week_requires_nothing_though_other_days_were_open(admin):
    group = group_on([3])
    client = member(group)
    close(admin, THURSDAY)
    assert week_of(client) == (1, 0, 0)


def test_a_client_with_no_session_that_week_loses_a_seventh_per_closed_day(admin):
    """Nothing to measure the loss by: the calendar days closed, as for admission (6/7 of 540;
    3 * 6/7 rounds to 3 days)."""
    group_on([0, 2, 3])
    client = ClientFactory(admission_date=MONDAY - timedelta(days=30))
    close(admin, THURSDAY)
    assert week_of(client) == (1, 463, 3)


def test_a_session_cancelled_for_another_reason_is_not_lost_to_the_closure(admin):
    """Monday cancelled by the clinic beforehand: the week's sessions are Wednesday and Thursday,
    and Thursday's closure takes half of them."""
    group = group_on([0, 2, 3])
    client = member(group)
    session_cancel(session=group.sessions.get(starts_at__date=MONDAY), reason="Facilitator ill")
    close(admin, THURSDAY)
    assert week_of(client) == (1, 270, 2)


def test_a_session_that_does_not_count_toward_hours_does_not_measure_the_loss(admin):
    """A Thursday family session that does not count: Thursday's closure still takes a third of
    the group's time, not more."""
    group = group_on([0, 2, 3])
    client = member(group)
    SessionFactory(
        session_type="family",
        group=None,
        client=client,
        starts_at=local_datetime(THURSDAY, time(10, 0)),
        ends_at=local_datetime(THURSDAY, time(11, 0)),
        counts_toward_hours=False,
    )
    close(admin, THURSDAY)
    assert week_of(client) == (1, 360, 2)
