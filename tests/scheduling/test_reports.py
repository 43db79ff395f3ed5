"""The program reports: what each counts, the shared filters (bad input is a clear error, never a
500), the chart and its table, the CSV export as a disclosure, and who sees what: admins the
clinic, a clinician their caseload, clients nothing."""

import csv
import io
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis.extra.django import TestCase

from clients.models import Discharge
from clients.services.discharge import client_discharge
from iop.clock import local_datetime, week_start_of
from iop.exports import REDISCLOSURE_NOTICE
from iop.models import ChartRead, Role
from scheduling.models import AttendanceStatus
from scheduling.selectors.reports import REPORTS
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    SessionFactory,
    UserFactory,
)
from tests.helpers import StaffVerifiedClient
from tests.test_text_input_fuzz import TEXT


def report(client, slug, **filters):
    return client.get(reverse("scheduling:report", args=[slug]), filters)


def table(response, index=0):
    return response.context["report"].tables[index].rows


def held_group_session(facilitator, clients, *, capacity=12, days_ago=2, absent=()):
    group = GroupFactory(facilitators=[facilitator], capacity=capacity, name="Evening Skills")
    for person in clients:
        EnrollmentFactory(group=group, client=person, start_date=person.admission_date)
    day = timezone.localdate() - timedelta(days=days_ago)
    session = SessionFactory(group=group, starts_at=local_datetime(day, time(9)))
    for person in clients:
        status = AttendanceStatus.ABSENT if person in absent else AttendanceStatus.PRESENT
        AttendanceFactory(session=session, client=person, status=status)
    return group, session


def discharge(person, days_after_admission, reason, actor):
    client_discharge(
        client=person,
        discharge_date=person.admission_date + timedelta(days=days_after_admission),
        reason=reason,
        summary="Discharged.",
        actor=actor,
    )


def test_attendance_rate_counts_attended_over_recorded_by_group_and_clinician(
    client, admin, clinician, alice, bob
):
    held_group_session(clinician, [alice, bob], absent=[bob])
    client.force_login(admin)

    response = report(client, "attendance")

    assert table(response, 0) == [["Evening Skills", 2, 1, 0, 1, 50.0]]
    assert table(response, 1) == [[str(clinician), 2, 1, 0, 1, 50.0]]
    html = response.content.decode()
    assert 'role="img"' in html
    assert '<title id="report-chart-title">Attendance rate by group</title>' in html
    assert "Evening Skills: 50.0%" in html  # the bar's tooltip


def test_length_of_stay_gives_the_median_by_track_and_the_four_discharge_reasons(
    client, admin, clinician
):
    today = timezone.localdate()
    stays = [
        (56, Discharge.Reason.COMPLETED),
        (14, Discharge.Reason.AGAINST_ADVICE),
        (28, Discharge.Reason.TRANSFERRED),
    ]
    for days, reason in stays:
        person = ClientFactory(admission_date=today - timedelta(days=60))
        discharge(person, days, reason, clinician)
    client.force_login(admin)

    response = report(client, "length-of-stay")

    columns = response.context["report"].tables[0].columns
    assert columns[4:] == ["Completed", "Left before completing", "Transferred", "Administrative"]
    adult, everyone = table(response)
    assert adult == ["Adult IOP", 3, "28", "4.0", 1, 1, 1, 0]
    assert everyone[0] == "All tracks"


def test_caseload_counts_each_clinicians_clients_in_the_program_on_the_last_day(
    client, admin, clinician, second_clinician, alice, bob
):
    ClientFactory(primary_clinician=second_clinician)
    client.force_login(admin)

    rows = table(report(client, "caseload"))

    # All three were admitted in the last few weeks, within the default range.
    assert [str(clinician), 2, 2, 0] in rows
    assert [str(second_clinician), 1, 1, 0] in rows


def test_group_fill_is_the_share_of_seats_taken_in_held_sessions(
    client, admin, clinician, alice, bob
):
    held_group_session(clinician, [alice, bob], capacity=4)
    client.force_login(admin)

    assert table(report(client, "group-fill")) == [
        ["Evening Skills", "Adult IOP", 4, 1, 4, 2, 50.0]
    ]


def test_admissions_and_discharges_are_counted_by_clinic_week(client, admin, clinician):
    monday = week_start_of(timezone.localdate()) - timedelta(weeks=3)
    admitted = ClientFactory(admission_date=monday + timedelta(days=1))
    ClientFactory(admission_date=monday + timedelta(days=2))
    discharge(admitted, 7, Discharge.Reason.COMPLETED, clinician)
    client.force_login(admin)

    rows = table(report(client, "admissions"))

    by_week = {row[0]: row[1:] for row in rows}
    assert by_week[monday.isoformat()] == [2, 0]
    assert by_week[(monday + timedelta(weeks=1)).isoformat()] == [0, 1]
    assert len(rows) == 12  # the default range: the last twelve clinic weeks


def test_a_clinician_sees_their_own_caseload_only_whatever_they_ask(
    client, admin, clinician, second_clinician, alice, bob
):
    theirs = ClientFactory(primary_clinician=second_clinician)
    held_group_session(clinician, [alice, bob, theirs], absent=[theirs])
    client.force_login(clinician)

    response = report(client, "attendance", clinician=second_clinician.pk)

    assert "clinician" not in response.context["form"].fields
    assert table(response, 0) == [["Evening Skills", 2, 2, 0, 0, 100.0]]
    assert [row[0] for row in table(report(client, "caseload"))] == [str(clinician)]


def test_a_client_sees_no_report(client, alice):
    client.force_login(alice.user)
    assert client.get(reverse("scheduling:reports")).status_code == 403
    for slug in REPORTS:
        assert report(client, slug).status_code == 403
        export = reverse("scheduling:report-export", args=[slug])
        assert client.get(export).status_code == 403


def test_an_unknown_report_is_not_found(client, admin):
    client.force_login(admin)
    assert report(client, "payroll").status_code == 404


def test_the_export_is_a_disclosure_with_the_notice_first_and_every_counted_client_logged(
    client, admin, clinician, alice, bob
):
    held_group_session(clinician, [alice, bob], absent=[bob])
    client.force_login(admin)

    response = client.get(reverse("scheduling:report-export", args=["attendance"]))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [REDISCLOSURE_NOTICE]
    assert rows[2][0] == "Group"
    assert rows[3] == ["Evening Skills", "2", "1", "0", "1", "50.0"]
    assert rows[5] == ["Attendance by the clinician leading the session"]
    assert rows[6][0] == "Clinician"
    assert "attachment" in response["Content-Disposition"]
    assert "Alice" not in response["Content-Disposition"]
    export = ChartRead.objects.get(user=admin)
    assert export.action == ChartRead.Action.EXPORT
    assert export.client_ids == sorted([alice.pk, bob.pk])
    assert export.what == "Attendance rate report export"


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"since": "2026-11-20", "until": "2026-11-01"}, "The range ends before it starts."),
        ({"since": "2020-01-01", "until": "2026-11-01"}, "at most two years"),
        ({"since": "9999-01-01"}, "Enter a date between"),
        ({"until": "yesterday"}, "Enter a valid date."),
        ({"track": "999"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_is_explained_and_shows_no_figures(client, admin, filters, message):
    client.force_login(admin)

    response = report(client, "admissions", **filters)

    assert response.status_code == 200
    assert response.context["report"] is None
    assert message in response.content.decode()
    export = client.get(reverse("scheduling:report-export", args=["admissions"]), filters)
    assert export.status_code == 400
    assert message in export.content.decode()


class TestNoFilterInputGivesA500(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = UserFactory(username="admin", role=Role.ADMIN)

    @settings(max_examples=20)
    @given(since=TEXT, until=TEXT, track=TEXT, group=TEXT)
    def test_any_filter_text(self, since, until, track, group):
        browser = StaffVerifiedClient()
        browser.force_login(self.admin)
        filters = {"since": since, "until": until, "track": track, "group": group}
        for slug in ("attendance", "length-of-stay", "caseload", "group-fill", "admissions"):
            page = browser.get(reverse("scheduling:report", args=[slug]), filters)
            assert page.status_code == 200
            export = browser.get(reverse("scheduling:report-export", args=[slug]), filters)
            assert export.status_code in (200, 400)
