"""Weekly-hours compliance as plain functions: one SQL statement for every client, clinic weeks
(DST included), prorated partial weeks, statuses, exceptions, and the morning forecast."""

from datetime import UTC, date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains

from clients.models import Client
from iop.clock import local_datetime, week_bounds, week_start_of
from scheduling.models import (
    Attendance,
    AttendanceStatus,
    ComplianceAlert,
    Reminder,
    WeeklyCompliance,
)
from scheduling.selectors.compliance import client_weeks_of_sessions, hours_overview_get
from scheduling.services.compliance import (
    compliance_alert_resolve,
    compliance_nudges_send,
    compliance_recompute,
    compliance_recompute_week,
)
from scheduling.tasks import compliance_recompute_client_weeks as recompute_task
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ReminderPreferenceFactory,
    SessionFactory,
)

MONDAY = date(2026, 11, 16)
WEDNESDAY_NOON = local_datetime(MONDAY + timedelta(days=2), time(12, 0))
MONDAY_MORNING = local_datetime(MONDAY, time(9, 0))
NEXT_MONDAY_3AM = local_datetime(MONDAY + timedelta(days=7), time(3, 0))


@pytest.fixture
def alice(clinician):
    """Alice as in conftest, admitted well before the week these tests look at, whatever today is."""
    return ClientFactory(
        legal_first_name="Alice",
        primary_clinician=clinician,
        admission_date=MONDAY - timedelta(days=30),
        user__username="alice",
    )


@pytest.fixture
def bob(clinician):
    return ClientFactory(
        legal_first_name="Bob",
        primary_clinician=clinician,
        admission_date=MONDAY - timedelta(days=30),
    )


@pytest.fixture
def evening_group(db):
    """Monday, Wednesday, Thursday 6-9 pm: exactly the adult minimum of 9 hours on 3 days."""
    return GroupFactory(name="Evening Relapse Prevention", capacity=12)


@pytest.fixture
def week_sessions(evening_group):
    return [
        SessionFactory(
            group=evening_group, starts_at=local_datetime(MONDAY + timedelta(days=d), time(18, 0))
        )
        for d in (0, 2, 3)
    ]


def enroll(client, group, start=MONDAY - timedelta(days=30)):
    return EnrollmentFactory(client=client, group=group, start_date=start)


def attend(session, client, status=AttendanceStatus.PRESENT, minutes=None):
    extra = {} if minutes is None else {"minutes_attended": minutes}
    return AttendanceFactory(session=session, client=client, status=status, **extra)


def week_of(client, week_start=MONDAY):
    return WeeklyCompliance.objects.get(client=client, week_start=week_start)


def test_week_bounds_follow_the_clinic_clock_across_the_fall_dst_change():
    start, end = week_bounds(date(2026, 10, 26))  # DST ends Sunday, November 1
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=169)
    assert end == local_datetime(date(2026, 11, 2), time(0, 0))
    assert week_start_of(date(2026, 11, 1)) == date(2026, 10, 26)


def test_a_late_sunday_session_in_a_dst_week_counts_in_that_week(clinician, evening_group):
    alice = ClientFactory(primary_clinician=clinician, admission_date=date(2026, 10, 1))
    sunday_late = local_datetime(date(2026, 11, 1), time(23, 30))
    session = SessionFactory(
        group=evening_group, starts_at=sunday_late, ends_at=sunday_late + timedelta(minutes=25)
    )
    attend(session, alice)
    with time_machine.travel(local_datetime(date(2026, 11, 3), time(9, 0)), tick=False):
        compliance_recompute_week(week_start=date(2026, 10, 26), client_ids=[alice.pk])
        compliance_recompute_week(week_start=date(2026, 11, 2), client_ids=[alice.pk])
    assert week_of(alice, date(2026, 10, 26)).attended_minutes == 25
    assert week_of(alice, date(2026, 11, 2)).attended_minutes == 0


def test_hours_are_minutes_attended_of_sessions_that_count_in_the_week(
    alice, evening_group, week_sessions
):
    enroll(alice, evening_group)
    attend(week_sessions[0], alice, AttendanceStatus.LATE, minutes=150)
    screen = SessionFactory(
        session_type="individual", group=None, client=alice, is_telehealth=True,
        starts_at=local_datetime(MONDAY, time(9, 0)), ends_at=local_datetime(MONDAY, time(9, 15)),
        counts_toward_hours=False,
    )  # fmt: skip
    attend(screen, alice)
    last_week = SessionFactory(
        group=evening_group, starts_at=local_datetime(MONDAY - timedelta(days=1), time(18, 0))
    )
    attend(last_week, alice)
    compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
    row = week_of(alice)
    assert (row.attended_minutes, row.scheduled_minutes) == (150, 360)
    assert (row.treatment_days, row.possible_days, row.required_days) == (1, 3, 3)
    assert row.status == "at_risk"  # 150 + 360 < 540


def test_a_client_who_can_still_make_the_minimum_is_on_track(alice, evening_group, week_sessions):
    enroll(alice, evening_group)
    attend(week_sessions[0], alice)
    compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
    assert week_of(alice).status == "on_track"


def test_missing_a_session_puts_the_week_at_risk_and_closing_it_short(
    alice, evening_group, week_sessions
):
    enroll(alice, evening_group)
    attend(week_sessions[0], alice, AttendanceStatus.ABSENT)
    compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
    assert week_of(alice).status == "at_risk"
    attend(week_sessions[1], alice)
    attend(week_sessions[2], alice)
    compliance_recompute_week(week_start=MONDAY, now=NEXT_MONDAY_3AM)
    row = week_of(alice)
    assert (row.status, row.attended_minutes, row.is_final) == ("short", 360, True)


def test_the_minimum_and_three_days_make_the_week_met(alice, evening_group, week_sessions):
    enroll(alice, evening_group)
    for session in week_sessions:
        attend(session, alice)
    compliance_recompute_week(week_start=MONDAY, now=NEXT_MONDAY_3AM)
    assert week_of(alice).status == "met"


def test_hours_above_the_maximum_are_over_max(alice, evening_group):
    for day in range(7):
        start = local_datetime(MONDAY + timedelta(days=day), time(9, 0))
        attend(
            SessionFactory(
                group=evening_group, starts_at=start, ends_at=start + timedelta(hours=3)
            ),
            alice,
        )
    compliance_recompute_week(week_start=MONDAY, now=NEXT_MONDAY_3AM)
    assert week_of(alice).status == "over_max"  # 21 h > 19 h


def test_a_partial_week_is_prorated_by_the_days_enrolled(clinician):
    thursday = MONDAY + timedelta(days=3)
    admitted_thursday = ClientFactory(
        user=None, primary_clinician=clinician, admission_date=thursday
    )
    compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
    row = week_of(admitted_thursday)
    assert (row.enrolled_days, row.required_minutes, row.required_days) == (4, 309, 2)


def test_clients_not_admitted_or_discharged_before_the_week_get_no_row(clinician):
    ClientFactory(user=None, primary_clinician=clinician, status=Client.Status.REFERRED)
    compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
    assert not WeeklyCompliance.objects.exists()


def test_a_week_must_start_on_a_monday(db):
    with pytest.raises(ValidationError, match="Monday"):
        compliance_recompute_week(week_start=MONDAY + timedelta(days=1))


@pytest.mark.parametrize("number_of_clients", [10, 500])
def test_recomputing_a_week_is_two_statements_whatever_the_number_of_clients(
    clinician, evening_group, week_sessions, number_of_clients
):
    clients = [
        ClientFactory(
            user=None, primary_clinician=clinician, admission_date=MONDAY - timedelta(days=20)
        )
        for _ in range(number_of_clients)
    ]
    for client in clients:
        enroll(client, evening_group)
    Attendance.objects.bulk_create(
        Attendance(session=week_sessions[0], client=client, status="present", minutes_attended=180,
                   session_minutes=180, recorded_by=clinician)
        for client in clients
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        written = compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
    assert written == number_of_clients
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The lock, then the weekly rows and their alerts: the same two whatever the number of
    # clients.
    assert len(statements) == 2
    assert (
        WeeklyCompliance.objects.filter(status="on_track", attended_minutes=180).count()
        == number_of_clients
    )


def test_a_recompute_writes_only_the_rows_whose_figures_changed(
    alice, bob, evening_group, week_sessions
):
    enroll(alice, evening_group)
    enroll(bob, evening_group)
    attend(week_sessions[0], alice)
    attend(week_sessions[0], bob)
    first = compliance_recompute(all_weeks=[MONDAY], now=WEDNESDAY_NOON)
    assert (first.rows, first.rows_changed) == (2, 2)

    an_hour_later = WEDNESDAY_NOON + timedelta(hours=1)
    again = compliance_recompute(all_weeks=[MONDAY], now=an_hour_later)
    assert (again.rows, again.rows_changed) == (2, 0)
    assert {row.computed_at for row in WeeklyCompliance.objects.all()} == {WEDNESDAY_NOON}

    attend(week_sessions[1], alice)
    after_attendance = compliance_recompute(all_weeks=[MONDAY], now=an_hour_later)
    assert (after_attendance.rows, after_attendance.rows_changed) == (2, 1)
    assert week_of(alice).computed_at == an_hour_later
    assert (week_of(alice).attended_minutes, week_of(alice).scheduled_minutes) == (360, 180)
    assert week_of(bob).computed_at == WEDNESDAY_NOON

    # The week's end changes the status and makes the rows final, so both are written.
    closed = compliance_recompute(all_weeks=[MONDAY], now=NEXT_MONDAY_3AM)
    assert closed.rows_changed == 2
    assert all(row.is_final for row in WeeklyCompliance.objects.all())


def test_a_few_clients_weeks_equal_the_same_weeks_recomputed_for_every_client(
    alice, bob, clinician, evening_group, week_sessions
):
    enroll(alice, evening_group)
    attend(week_sessions[0], alice, AttendanceStatus.LEFT_EARLY, minutes=120)
    attend(week_sessions[1], alice, AttendanceStatus.ABSENT)
    attend(week_sessions[2], bob)  # a drop-in: Bob is not on the group's roster
    SessionFactory(
        session_type="individual", group=None, client=bob, starts_at=MONDAY_MORNING,
        ends_at=MONDAY_MORNING + timedelta(hours=1),
    )  # fmt: skip
    fields = ("attended_minutes", "scheduled_minutes", "treatment_days", "possible_days",
              "required_minutes", "required_days", "status")  # fmt: skip
    compliance_recompute(client_weeks=[(alice.pk, MONDAY), (bob.pk, MONDAY)], now=WEDNESDAY_NOON)
    for_a_few = list(WeeklyCompliance.objects.order_by("client_id").values_list(*fields))
    WeeklyCompliance.objects.all().delete()
    compliance_recompute(all_weeks=[MONDAY], now=WEDNESDAY_NOON)
    for_everyone = list(WeeklyCompliance.objects.order_by("client_id").values_list(*fields))
    assert for_a_few == for_everyone
    assert for_a_few == [
        (120, 180, 1, 2, 540, 3, "at_risk"),  # Alice: absent Wednesday, Thursday ahead
        (180, 60, 1, 2, 540, 3, "at_risk"),  # Bob: the Thursday drop-in, his Monday session
    ]


def test_a_pair_of_a_week_recomputed_for_every_client_is_recomputed_once(
    alice, bob, evening_group, week_sessions
):
    """A client-week asked for beside its whole week is one of the week's, counted once; a pair
    of another week is recomputed with them."""
    enroll(alice, evening_group)
    attend(week_sessions[0], alice)
    week_before = MONDAY - timedelta(days=7)
    both = compliance_recompute(
        client_weeks=[(alice.pk, MONDAY), (alice.pk, week_before)],
        all_weeks=[MONDAY],
        now=WEDNESDAY_NOON,
    )
    assert (both.rows, both.rows_changed) == (3, 3)
    rows = WeeklyCompliance.objects.values_list("client_id", "week_start", "attended_minutes")
    assert set(rows) == {(alice.pk, MONDAY, 180), (bob.pk, MONDAY, 0), (alice.pk, week_before, 0)}


def test_recomputing_after_attendance_of_a_session_updates_its_clients_only(
    alice, bob, evening_group, week_sessions
):
    enroll(alice, evening_group)
    attend(week_sessions[0], alice)
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        touched = client_weeks_of_sessions(session_ids=[week_sessions[0].pk])
        recompute_task([[client_id, week.isoformat()] for client_id, week in touched])
    assert week_of(alice).attended_minutes == 180
    assert not WeeklyCompliance.objects.filter(client=bob).exists()
    assert client_weeks_of_sessions(session_ids=[987654]) == set()


def test_excusing_a_short_week_makes_it_excused(alice, clinician, evening_group, week_sessions):
    enroll(alice, evening_group)
    compliance_recompute_week(week_start=MONDAY, now=NEXT_MONDAY_3AM)
    alert = ComplianceAlert.objects.get(client=alice, week_start=MONDAY, kind="short")
    compliance_alert_resolve(alert=alert, actor=clinician, reason="illness", plan="", excused=True)
    assert week_of(alice).status == "excused"
    compliance_recompute_week(week_start=MONDAY, now=NEXT_MONDAY_3AM)
    assert week_of(alice).status == "excused"


@pytest.mark.parametrize(
    ("reason", "plan", "excused", "field"),
    [("", "Bus pass arranged", False, "reason"), ("unknown", "x", False, "reason"),
     ("transportation", "   ", False, "plan")],
)  # fmt: skip
def test_resolving_without_a_reason_or_plan_is_refused_and_changes_nothing(
    alice, clinician, reason, plan, excused, field
):
    alert = ComplianceAlert.objects.create(client=alice, week_start=MONDAY, kind="short")
    with pytest.raises(ValidationError) as error:
        compliance_alert_resolve(
            alert=alert, actor=clinician, reason=reason, plan=plan, excused=excused
        )
    assert field in error.value.message_dict
    alert.refresh_from_db()
    assert alert.is_open
    assert not alert.excused


def test_a_level_of_care_review_cannot_be_excused(alice, admin):
    alert = ComplianceAlert.objects.create(
        client=alice, week_start=MONDAY, kind="level_of_care_review", for_admins=True
    )
    with pytest.raises(ValidationError) as error:
        compliance_alert_resolve(alert=alert, actor=admin, reason="other", plan="", excused=True)
    assert "excused" in error.value.message_dict


def test_an_at_risk_client_is_told_discreetly_and_the_clinician_sees_sessions_that_close_the_gap(
    clinician, evening_group, week_sessions
):
    preference = ReminderPreferenceFactory(
        client__primary_clinician=clinician, client__admission_date=MONDAY - timedelta(days=30)
    )
    client = preference.client
    enroll(client, evening_group)
    attend(week_sessions[0], client, AttendanceStatus.ABSENT)
    saturday_group = GroupFactory(name="Saturday Skills", weekdays=[5], start_time=time(10, 0))
    saturday = SessionFactory(
        group=saturday_group, starts_at=local_datetime(MONDAY + timedelta(days=5), time(10, 0))
    )
    full_group = GroupFactory(name="Full Friday", capacity=1, weekdays=[4])
    SessionFactory(
        group=full_group, starts_at=local_datetime(MONDAY + timedelta(days=4), time(10, 0))
    )
    enroll(ClientFactory(user=None, primary_clinician=clinician, admission_date=MONDAY), full_group)
    result = compliance_nudges_send(now=WEDNESDAY_NOON)
    assert (result.at_risk, result.nudges_planned) == (2, 2)  # the other client has no opt-in
    alert = ComplianceAlert.objects.get(client=client, kind="at_risk")
    assert (
        alert.detail
        == "Needs 3 more hours: Saturday 10:00 AM-1:00 PM Saturday Skills still has room."
    )
    assert saturday.group.name in alert.detail
    assert "Full Friday" not in alert.detail
    nudges = Reminder.objects.filter(client=client, kind="hours_nudge")
    assert {n.channel for n in nudges} == {"email", "sms"}
    again = compliance_nudges_send(now=WEDNESDAY_NOON + timedelta(days=1))
    assert again.nudges_planned == 0  # one nudge a week


def test_the_hours_overview_has_this_week_and_twelve_bars(alice, evening_group, week_sessions):
    enroll(alice, evening_group)
    attend(week_sessions[0], alice)
    compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
    overview = hours_overview_get(client=alice, today=MONDAY + timedelta(days=2))
    # This week's row whole, as stored (its weeks are read as tuples and it alone made a row).
    stored = WeeklyCompliance.objects.get(client=alice, week_start=MONDAY)
    assert {
        field.attname: getattr(overview.current, field.attname)
        for field in WeeklyCompliance._meta.concrete_fields
    } == {
        field.attname: getattr(stored, field.attname)
        for field in WeeklyCompliance._meta.concrete_fields
    }
    assert overview.current.attended_minutes == 180
    assert overview.current.get_status_display() == stored.get_status_display()
    assert (overview.percent, overview.scheduled_percent) == (33, 67)
    assert len(overview.bars) == 12
    assert overview.bars[-1].minutes == 180
    assert overview.bars[-1].height > 0
    assert overview.bars[0].height == 0


def test_the_clients_week_reads_as_attended_then_scheduled_never_done_in_advance(
    client, alice, evening_group, week_sessions
):
    """Before any hour is attended the bar is empty and the page says what is still ahead."""
    enroll(alice, evening_group)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        client.force_login(alice.user)  # the session's idle timeout runs on the clinic clock
        compliance_recompute_week(week_start=MONDAY, now=MONDAY_MORNING)
        page = client.get(reverse("scheduling:my-schedule"))
    assert page.context["overview"].percent == 0
    assertContains(page, "0 of 9 hours attended</strong>, on 0 of 3 days")
    assertContains(page, "9 more hours are scheduled: attend them and you meet this week's hours.")
    attend(week_sessions[0], alice)
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        client.force_login(alice.user)
        compliance_recompute_week(week_start=MONDAY, now=WEDNESDAY_NOON)
        page = client.get(reverse("scheduling:my-schedule"))
    assertContains(page, "3 of 9 hours attended</strong>, on 1 of 3 days")
    assertContains(page, "6 more hours are scheduled")


def test_the_hours_chart_labels_hours_and_every_third_week(client, clinician, alice):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        client.force_login(clinician)
        page = client.get(reverse("scheduling:client-hours", args=[alice.pk]))
    for label in ("0 h", "9 h", "Sep 14", "Oct 5", "Oct 26", "Nov 16"):
        assertContains(page, f">{label}</text>")
    assertContains(page, "Week of Aug 31: 0 hours; Week of Sep 7")  # the text alternative
