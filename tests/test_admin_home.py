"""The admin home: one page a program director scans in ten seconds. Its cards come from the apps
that own the data (htmx fragments), every number is a link to the filtered list behind it, and
each card costs as many queries for 1,000 clients as for 10."""

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Discharge, LevelOfCare
from clients.services.discharge import client_discharge
from clients.services.level_of_care import level_of_care_change
from groups.views import NEAR_CAPACITY_SHOWN
from iop.clock import local_datetime, week_start_of
from scheduling.models import ComplianceAlert, ComplianceStatus, WeeklyCompliance
from scheduling.selectors.reports import REPORTS
from scheduling.views import home
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgramTrackFactory,
    SessionFactory,
    TreatmentPlanFactory,
    bulk_clinic,
)

HOME_CARDS = [
    "clients:census",
    "groups:near-capacity",
    "scheduling:home-hours",
    "scheduling:home-overdue",
    "scheduling:reminder-health",
    "clients:emergency-access-review",
]


def links(html: str) -> set[tuple[str, str]]:
    """Each link as (its text without tags and spaces, its address)."""
    return {
        (re.sub(r"<[^>]+>|\s", "", text), href.replace("&amp;", "&"))
        for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    }


def test_the_dashboard_loads_every_card_from_the_app_that_owns_it(client, admin):
    client.force_login(admin)
    page = client.get(reverse("iop:dashboard")).content.decode()
    for name in HOME_CARDS:
        assert f'hx-get="{reverse(name)}"' in page, name
    assert "OK" in page or "Down" in page  # the worker's health, on the page itself


def test_the_census_counts_active_clients_by_track_and_level_and_links_each_number(
    client, admin, clinician
):
    today = timezone.localdate()
    adult = ProgramTrackFactory()
    young = ProgramTrackFactory(code="young", name="Young adult IOP")
    ClientFactory(primary_clinician=clinician, track=adult, admission_date=today - timedelta(20))
    ClientFactory(primary_clinician=clinician, track=adult, admission_date=today - timedelta(20))
    stepped = ClientFactory(track=young, admission_date=today - timedelta(days=20))
    level_of_care_change(
        client=stepped, level=LevelOfCare.OUTPATIENT, start_date=today, actor=clinician
    )
    ClientFactory(status=Client.Status.REFERRED)
    client.force_login(admin)

    html = client.get(reverse("clients:census")).content.decode()

    by_adult_iop = f"/clients/?status=active&track={adult.pk}&level_of_care=2.1"
    by_young_outpatient = f"/clients/?status=active&track={young.pk}&level_of_care=1"
    assert {
        ("3activeclients", "/clients/?status=active"),
        ("2", by_adult_iop),
        ("1", by_young_outpatient),
        ("2", f"/clients/?status=active&track={adult.pk}"),
    } <= links(html)
    assert "2.1 Intensive outpatient" in html
    assert "1 Outpatient" in html
    # Each link leads to the clients it counted.
    assert client.get(by_adult_iop).context["page"].paginator.count == 2
    listed = client.get(by_young_outpatient).context["page"]
    assert [c.pk for c in listed] == [stepped.pk]


def test_the_census_counts_this_weeks_and_months_admissions_and_discharges(
    client, admin, clinician
):
    today = timezone.localdate()
    new = ClientFactory(admission_date=today)
    leaving = ClientFactory(admission_date=today - timedelta(days=40))
    client_discharge(
        client=leaving, discharge_date=today, reason=Discharge.Reason.COMPLETED,
        summary="Completed the program.", actor=clinician,
    )  # fmt: skip
    client.force_login(admin)

    census = client.get(reverse("clients:census")).context["census"]

    assert (census.admitted_week, census.discharged_week, census.discharged_month) == (1, 1, 1)
    admitted = client.get(
        reverse("clients:list"), {"admitted_from": census.week_start, "admitted_to": today}
    )
    assert [c.pk for c in admitted.context["page"]] == [new.pk]
    discharged = client.get(
        reverse("clients:list"), {"discharged_from": census.month_start, "discharged_to": today}
    )
    assert [c.pk for c in discharged.context["page"]] == [leaving.pk]


def test_the_hours_card_counts_last_and_this_weeks_statuses_and_links_to_the_report(
    client, admin, alice, bob
):
    this_week = week_start_of(timezone.localdate())
    last_week = this_week - timedelta(weeks=1)
    for person, week, status in [
        (alice, last_week, ComplianceStatus.SHORT),
        (bob, last_week, ComplianceStatus.SHORT),
        (alice, this_week, ComplianceStatus.AT_RISK),
    ]:
        WeeklyCompliance.objects.create(
            client=person, week_start=week, status=status, required_minutes=540,
            required_days=3, maximum_minutes=1140, computed_at=timezone.now(),
        )  # fmt: skip
    ComplianceAlert.objects.create(
        client=alice, week_start=this_week, kind=ComplianceAlert.Kind.AT_RISK
    )
    client.force_login(admin)

    found = links(client.get(reverse("scheduling:home-hours")).content.decode())

    short_last_week = f"/schedule/compliance/?week={last_week}&status=short"
    at_risk_this_week = f"/schedule/compliance/?week={this_week}&status=at_risk"
    open_at_risk_alerts = "/schedule/alerts/?status=open&kind=at_risk"
    assert {("2", short_last_week), ("1", at_risk_this_week), ("1", open_at_risk_alerts)} <= found
    assert client.get(short_last_week).context["page"].paginator.count == 2
    assert [row.client for row in client.get(at_risk_this_week).context["rows"]] == [alice]
    assert [a.client for a in client.get(open_at_risk_alerts).context["page"]] == [alice]


def test_overdue_work_is_counted_by_clinician_and_links_to_their_overdue_list(
    client, admin, clinician, second_clinician, alice
):
    group = GroupFactory(facilitators=[clinician])
    EnrollmentFactory(group=group, client=alice)
    two_days_ago = timezone.localdate() - timedelta(days=2)
    held = SessionFactory(group=group, starts_at=local_datetime(two_days_ago, time(9)))
    AttendanceFactory(session=held, client=alice)  # its note is unsigned after 24 hours
    other = SessionFactory(
        group=GroupFactory(facilitators=[second_clinician]),
        starts_at=local_datetime(two_days_ago, time(13)),
    )  # held, no attendance taken
    # Noon of the clinic's day 31 days ago (not now less 31 x 24 hours: across the end of daylight
    # saving time that lands on the next day in the hour before midnight).
    with time_machine.travel(local_datetime(timezone.localdate() - timedelta(days=31), time(12))):
        carol = ClientFactory(
            primary_clinician=clinician, admission_date=timezone.localdate() - timedelta(days=7)
        )
        plan = TreatmentPlanFactory(client=carol)  # its review was due a day ago
    client.force_login(admin)

    rows = client.get(reverse("scheduling:home-overdue")).context["rows"]
    mine = client.get(reverse("scheduling:overdue"), {"clinician": clinician.pk})
    theirs = client.get(reverse("scheduling:overdue"), {"clinician": second_clinician.pk})

    counts = {row.clinician: (row.notes, row.sessions, row.plan_reviews) for row in rows}
    assert counts == {clinician: (1, 0, 1), second_clinician: (0, 1, 0)}
    assert mine.context["overdue_note_count"] == 1
    assert mine.context["missing_attendance_count"] == 0
    assert [p.pk for p in mine.context["plan_reviews"]] == [plan.pk]
    assert [s.pk for s in theirs.context["missing_attendance"]] == [other.pk]
    assert theirs.context["plan_review_count"] == 0


def test_the_overdue_card_shows_the_most_overdue_clinicians_and_links_to_everyones_work(
    client, admin, clinician, second_clinician, monkeypatch
):
    two_days_ago = timezone.localdate() - timedelta(days=2)
    for hour, facilitator in [(9, clinician), (13, clinician), (9, second_clinician)]:
        SessionFactory(
            group=GroupFactory(facilitators=[facilitator]),
            starts_at=local_datetime(two_days_ago, time(hour)),
        )  # held, no attendance taken
    client.force_login(admin)
    monkeypatch.setattr(home, "OVERDUE_CLINICIANS_SHOWN", 1)

    response = client.get(reverse("scheduling:home-overdue"))

    assert [(row.clinician, row.sessions) for row in response.context["rows"]] == [(clinician, 2)]
    assert response.context["clinician_count"] == 2
    assert ("Alloverduework", reverse("scheduling:overdue")) in links(response.content.decode())


def test_a_full_group_shows_with_the_seats_left_and_links_to_its_roster(client, admin):
    full = GroupFactory(name="Evening Skills", capacity=2)
    roomy = GroupFactory(name="Morning Support", capacity=10)
    for _ in range(2):
        EnrollmentFactory(group=full)
        EnrollmentFactory(group=roomy)
    client.force_login(admin)

    html = client.get(reverse("groups:near-capacity")).content.decode()

    assert "Evening Skills" in html
    assert "Morning Support" not in html
    assert ("2/2", reverse("groups:roster", args=[full.pk])) in links(html)
    assert "full" in html


def test_the_capacity_card_lists_the_fullest_groups_and_links_to_all_of_them(client, admin):
    for number in range(NEAR_CAPACITY_SHOWN + 2):
        group = GroupFactory(name=f"Group {number:02}", capacity=5)
        for _ in range(4 if number else 5):  # Group 00 is full, the others have a seat left
            EnrollmentFactory(group=group)
    GroupFactory(name="Roomy", capacity=10)
    client.force_login(admin)

    html = client.get(reverse("groups:near-capacity")).content.decode()

    near = f"{reverse('groups:list')}?near=1"
    assert (str(NEAR_CAPACITY_SHOWN + 2), near) in links(html)
    assert (f"All{NEAR_CAPACITY_SHOWN + 2}groupsatornearcapacity", near) in links(html)
    assert html.count("/roster/") == NEAR_CAPACITY_SHOWN
    assert html.index("Group 00") < html.index("Group 01")  # the full one first
    assert "Roomy" not in html
    listed = client.get(near).context["page"]
    assert [group.name for group in listed] == [f"Group {n:02}" for n in range(12)]


@pytest.mark.parametrize("filters", [{"admitted_from": "9999-01-01"}, {"level_of_care": "x"}])
def test_a_bad_client_list_filter_is_ignored_with_a_message_not_a_500(client, admin, filters):
    client.force_login(admin)
    assert client.get(reverse("clients:list"), filters).status_code == 200


def _queries_of(client, urls):
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_the_admin_home_and_every_report_make_as_many_queries_for_1000_clients_as_for_10(
    client, admin, clinician
):
    group = GroupFactory(facilitators=[clinician], capacity=5)
    two_days_ago = timezone.localdate() - timedelta(days=2)
    held = SessionFactory(group=group, starts_at=local_datetime(two_days_ago, time(9)))
    SessionFactory(group=GroupFactory(), starts_at=local_datetime(two_days_ago, time(13)))
    urls = [reverse("iop:dashboard"), *(reverse(name) for name in HOME_CARDS)]
    urls += [reverse("scheduling:reports")]
    for slug in REPORTS:
        urls += [reverse("scheduling:report", args=[slug])]
        urls += [reverse("scheduling:report-export", args=[slug])]
    bulk_clinic(10, clinician=clinician, group=group, held=held)
    report_urls = [url for url in urls if "/reports/" in url]
    client.force_login(admin)
    with_ten = _queries_of(client, urls)
    client.force_login(clinician)  # a clinician's reports: their caseload, here every client
    clinician_with_ten = _queries_of(client, report_urls)

    bulk_clinic(990, clinician=clinician, group=group, held=held)
    assert Client.objects.count() == 1000
    client.force_login(admin)
    with_a_thousand = _queries_of(client, urls)
    client.force_login(clinician)
    clinician_with_a_thousand = _queries_of(client, report_urls)

    assert with_a_thousand == with_ten
    assert clinician_with_a_thousand == clinician_with_ten
