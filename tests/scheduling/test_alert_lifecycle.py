"""Hours and alerts stay true whatever the clinic changes: each test is a defect a user saw, with
the change going through the services and the recompute running after commit as a worker would."""

import csv
import io
from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from clients.services.discharge import client_discharge
from groups.services import enrollment_create
from iop.clock import local_datetime
from scheduling.models import AttendanceStatus, ComplianceAlert, WeeklyCompliance
from scheduling.selectors.attendance import session_log_get
from scheduling.services.attendance import AttendanceEntry, attendance_record
from scheduling.services.compliance import (
    compliance_alert_resolve,
    compliance_recompute_open_weeks,
    week_close,
)
from tests.factories import ClientFactory, GroupFactory, SessionFactory

MONDAY = date(2026, 11, 16)
WEDNESDAY_NOON = local_datetime(MONDAY + timedelta(days=2), time(12))
NEXT_TUESDAY = local_datetime(MONDAY + timedelta(days=8), time(10))


@pytest.fixture
def group(clinician):
    """Monday, Wednesday, Thursday 6-9 pm: the adult minimum of 9 hours on 3 days."""
    return GroupFactory(facilitators=[clinician], first_date=MONDAY - timedelta(weeks=4))


@pytest.fixture
def alice(clinician):
    return ClientFactory(
        legal_first_name="Alice",
        primary_clinician=clinician,
        admission_date=MONDAY - timedelta(weeks=3),
        user__username="alice",
    )


def sessions_of_week(group, monday):
    return [
        SessionFactory(
            group=group, clinician=group.facilitators.first(),
            starts_at=local_datetime(monday + timedelta(days=day), time(18)),
        )
        for day in (0, 2, 3)
    ]  # fmt: skip


def record(after_commit, session, clinician, client, minutes, reason=""):
    status = AttendanceStatus.PRESENT if minutes else AttendanceStatus.ABSENT
    after_commit(
        attendance_record,
        session=session,
        actor=clinician,
        entries=[AttendanceEntry(client.pk, status, minutes)],
        expected_version=session_log_get(session=session).attendance_version,
        amendment_reason=reason,
    )


def open_alerts(client):
    return list(ComplianceAlert.objects.filter(client=client, resolved_at__isnull=True))


def test_attendance_entered_for_a_past_week_updates_the_open_alerts_figures(
    after_commit, clinician, alice, group
):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        enrollment_create(group=group, client=alice, start_date=MONDAY - timedelta(weeks=3))
        sessions = sessions_of_week(group, MONDAY)
    with time_machine.travel(NEXT_TUESDAY, tick=False):
        record(after_commit, sessions[0], clinician, alice, 180)
        record(after_commit, sessions[1], clinician, alice, 150)
        week_close(now=NEXT_TUESDAY)
        [alert] = open_alerts(alice)
        assert alert.summary == "Attended 5.5 of 9 hours on 2 of 3 days."
        record(after_commit, sessions[2], clinician, alice, 150)
    alert.refresh_from_db()
    row = WeeklyCompliance.objects.get(client=alice, week_start=MONDAY)
    assert row.attended_minutes == alert.attended_minutes == 480
    assert alert.summary == "Attended 8 of 9 hours on 3 of 3 days."


def test_a_week_that_is_no_longer_short_resolves_its_alert_saying_why(
    after_commit, clinician, alice, group
):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        enrollment_create(group=group, client=alice, start_date=MONDAY - timedelta(weeks=3))
        sessions = sessions_of_week(group, MONDAY)
    with time_machine.travel(NEXT_TUESDAY, tick=False):
        for session in sessions[:2]:
            record(after_commit, session, clinician, alice, 180)
        week_close(now=NEXT_TUESDAY)
        record(after_commit, sessions[2], clinician, alice, 180)
    alert = ComplianceAlert.objects.get(client=alice, week_start=MONDAY)
    assert not alert.is_open
    assert alert.resolved_itself
    assert alert.get_reason_display() == "Resolved by itself: the week is no longer short"


def test_a_second_short_week_raises_the_level_of_one_alert_instead_of_opening_another(alice):
    for weeks in (2, 1):
        week_close(now=local_datetime(MONDAY + timedelta(weeks=weeks), time(2)))
    alerts = ComplianceAlert.objects.filter(client=alice, week_start=MONDAY + timedelta(weeks=1))
    assert [(a.kind, a.for_admins) for a in alerts] == [("level_of_care_review", True)]
    assert ComplianceAlert.objects.filter(client=alice, resolved_at__isnull=True).count() == 2


def test_a_second_alert_for_the_same_week_is_refused_by_the_database(alice):
    ComplianceAlert.objects.create(client=alice, week_start=MONDAY, kind="short")
    with pytest.raises(Exception, match="compliance_alert_one_open_per_week"):
        ComplianceAlert.objects.create(client=alice, week_start=MONDAY, kind="over_max")


def test_clients_discharged_today_are_not_at_risk_and_their_alerts_close(
    after_commit, clinician, alice
):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        week_close(now=WEDNESDAY_NOON)  # last week: short
        assert open_alerts(alice)
        after_commit(
            client_discharge,
            client=alice,
            discharge_date=MONDAY + timedelta(days=2),
            reason="completed",
            summary="Completed the program.",
            actor=clinician,
        )
    row = WeeklyCompliance.objects.get(client=alice, week_start=MONDAY)
    assert (row.status, row.required_minutes) == ("discharged", round(540 * 3 / 7))
    assert not open_alerts(alice)
    assert {a.reason for a in ComplianceAlert.objects.filter(client=alice)} == {"discharged"}


def test_adding_a_client_to_a_roster_updates_the_weekly_report_at_once(
    after_commit, client, admin, alice, group
):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        sessions_of_week(group, MONDAY)
        week_close(now=WEDNESDAY_NOON)
        after_commit(enrollment_create, group=group, client=alice, start_date=MONDAY)
        client.force_login(admin)
        response = client.get(reverse("scheduling:compliance-report"), {"week": MONDAY})
    [row] = response.context["rows"]
    assert (row.scheduled_minutes, row.status) == (540, "on_track")


def test_an_alert_a_person_resolved_reopens_only_for_something_more_serious(clinician, alice):
    compliance_recompute_open_weeks(now=WEDNESDAY_NOON)
    at_risk = ComplianceAlert.objects.get(client=alice, week_start=MONDAY)
    assert at_risk.kind == "at_risk"
    compliance_alert_resolve(
        alert=at_risk, actor=clinician, reason="transportation", plan="Bus pass"
    )
    compliance_recompute_open_weeks(now=WEDNESDAY_NOON + timedelta(hours=1))
    assert not open_alerts(alice)
    week_close(now=local_datetime(MONDAY + timedelta(weeks=1), time(2)))
    [short] = open_alerts(alice)
    assert (short.week_start, short.kind) == (MONDAY, "short")


def test_8_25_hours_read_8_3_on_the_alert_the_report_and_the_csv(
    after_commit, client, admin, clinician, alice, group
):
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        enrollment_create(group=group, client=alice, start_date=MONDAY - timedelta(weeks=3))
        sessions = sessions_of_week(group, MONDAY)
    with time_machine.travel(NEXT_TUESDAY, tick=False):
        for session, minutes in zip(sessions, (180, 180, 135), strict=True):
            record(after_commit, session, clinician, alice, minutes)
        week_close(now=NEXT_TUESDAY)
        client.force_login(admin)
        report = client.get(reverse("scheduling:compliance-report"), {"week": MONDAY})
        export = client.get(reverse("scheduling:compliance-export"), {"week": MONDAY})
        alerts = client.get(reverse("scheduling:alerts"))
    assert "8.3 of 9 hours" in alerts.content.decode()
    assert "8.3 h" in report.content.decode()
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[3][5] == "8.3"


def test_the_alerts_page_filters_by_status_level_clinician_and_week_and_pages(
    client, admin, clinician, second_clinician
):
    theirs = ClientFactory(primary_clinician=second_clinician, admission_date=MONDAY)
    for _ in range(30):
        ClientFactory(primary_clinician=clinician, admission_date=MONDAY - timedelta(weeks=8))
    for weeks in range(1, 3):
        week_close(now=local_datetime(MONDAY + timedelta(weeks=weeks), time(2)))
    client.force_login(admin)
    url = reverse("scheduling:alerts")
    first_page = client.get(url)
    assert first_page.context["page"].paginator.count == 62
    assert len(first_page.context["page"].object_list) == 25
    escalated = client.get(url, {"kind": "level_of_care_review"}).context["page"]
    assert escalated.paginator.count == 31
    theirs_only = client.get(url, {"clinician": second_clinician.pk}).context["page"]
    assert {a.client for a in theirs_only} == {theirs}
    one_week = client.get(url, {"week": MONDAY + timedelta(days=3)}).context["page"]
    assert {a.week_start for a in one_week} == {MONDAY}
    assert client.get(url, {"status": "resolved"}).context["page"].paginator.count == 0


def test_the_alerts_page_ignores_filters_it_cannot_read(client, clinician, alice):
    week_close(now=local_datetime(MONDAY + timedelta(weeks=1), time(2)))
    client.force_login(clinician)
    response = client.get(
        reverse("scheduling:alerts"),
        {"week": "9999-99-99", "kind": "nonsense", "status": "x", "page": "-3"},
    )
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()
