"""Where people see weekly hours: the hours fragment, the client's own page, the admins' report
and CSV export, and the clinicians' alerts."""

import csv
import io
from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iop.clock import local_datetime, week_start_of
from iop.exports import REDISCLOSURE_NOTICE
from iop.models import ChartRead
from scheduling.models import ComplianceAlert, WeeklyCompliance
from scheduling.services.compliance import compliance_recompute_week
from tests.factories import ClientFactory

THIS_WEEK = week_start_of(timezone.localdate())


@pytest.fixture
def computed(alice, bob):
    compliance_recompute_week(week_start=THIS_WEEK)


def test_staff_get_a_clients_hours_as_a_fragment_and_the_read_is_logged(
    client, clinician, alice, computed
):
    client.force_login(clinician)
    response = client.get(
        reverse("scheduling:client-hours", args=[alice.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hours this week" in html
    assert "<svg" in html
    assert "<html" not in html
    assert ChartRead.objects.filter(
        user=clinician, client_ids__contains=[alice.pk], what="weekly hours"
    ).exists()


def test_alice_sees_her_own_hours_and_never_bobs(client, alice, bob, computed):
    client.force_login(alice.user)
    response = client.get(reverse("scheduling:my-hours"))
    assert response.status_code == 200
    assert response.context["client"] == alice
    assert client.get(reverse("scheduling:client-hours", args=[bob.pk])).status_code == 403


def test_the_report_lists_the_week_with_filters(
    client, admin, alice, bob, computed, second_clinician
):
    client.force_login(admin)
    response = client.get(reverse("scheduling:compliance-report"))
    assert {row.client for row in response.context["rows"]} == {alice, bob}
    filtered = client.get(
        reverse("scheduling:compliance-report"), {"clinician": second_clinician.pk}
    )
    assert filtered.context["rows"] == []
    bad = client.get(reverse("scheduling:compliance-report"), {"week": "not a date"})
    assert bad.status_code == 200
    assert bad.context["week_start"] == THIS_WEEK


@pytest.mark.parametrize("number_of_clients", [1, 50])
def test_the_report_takes_the_same_queries_for_one_or_fifty_clients(
    client, admin, clinician, number_of_clients, django_assert_max_num_queries
):
    for _ in range(number_of_clients):
        ClientFactory(user=None, primary_clinician=clinician)
    compliance_recompute_week(week_start=THIS_WEEK)
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("scheduling:compliance-report"))
    assert len(response.context["rows"]) == number_of_clients


def test_the_csv_export_opens_with_the_part_2_notice_and_logs_each_client(
    client, admin, alice, bob, computed
):
    client.force_login(admin)
    response = client.get(reverse("scheduling:compliance-export"), {"week": THIS_WEEK.isoformat()})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [REDISCLOSURE_NOTICE]
    assert rows[2][0] == "MRN"
    assert {row[0] for row in rows[3:]} == {alice.mrn, bob.mrn}
    export = ChartRead.objects.get(what="weekly hours export")
    assert (export.action, export.client_ids) == ("export", sorted([alice.pk, bob.pk]))


def test_a_clinician_resolves_a_short_week_with_a_reason_and_plan(client, clinician, alice):
    alert = ComplianceAlert.objects.create(
        client=alice, week_start=date(2026, 11, 16), kind="short"
    )
    client.force_login(clinician)
    assert list(client.get(reverse("scheduling:alerts")).context["page"]) == [alert]
    url = reverse("scheduling:alert-resolve", args=[alert.pk])
    response = client.post(
        url, {"reason": "transportation", "plan": "Bus pass from case management"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.reason, alert.resolved_by) == ("transportation", clinician)


def test_resolving_without_a_reason_shows_a_field_error_and_changes_nothing(
    client, clinician, alice
):
    alert = ComplianceAlert.objects.create(
        client=alice, week_start=date(2026, 11, 16), kind="short"
    )
    client.force_login(clinician)
    response = client.post(
        reverse("scheduling:alert-resolve", args=[alert.pk]), {"reason": "", "plan": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    no_plan = client.post(
        reverse("scheduling:alert-resolve", args=[alert.pk]), {"reason": "illness", "plan": " "}
    )
    assert "plan" in no_plan.context["form"].errors
    alert.refresh_from_db()
    assert alert.is_open


def test_excusing_through_the_page_marks_the_week_excused(client, clinician, alice):
    last_week = THIS_WEEK - timedelta(weeks=1)
    compliance_recompute_week(week_start=last_week)
    alert = ComplianceAlert.objects.get(client=alice, week_start=last_week, kind="short")
    client.force_login(clinician)
    client.post(
        reverse("scheduling:alert-resolve", args=[alert.pk]), {"reason": "illness", "excused": "on"}
    )
    assert WeeklyCompliance.objects.get(client=alice, week_start=last_week).status == "excused"


def test_another_clinicians_alert_is_not_found(client, second_clinician, alice):
    alert = ComplianceAlert.objects.create(
        client=alice, week_start=date(2026, 11, 16), kind="short"
    )
    client.force_login(second_clinician)
    assert client.get(reverse("scheduling:alert-resolve", args=[alert.pk])).status_code == 404
    assert not client.get(reverse("scheduling:alerts")).context["page"].object_list


def test_the_reports_rows_read_each_weeks_figures_escaped(client, admin, clinician, computed):
    """The report's rows are written in Python (`hours_status`): each links to the client's hours
    and shows the week's figures, its status in its colour, and every name escaped."""
    marked = ClientFactory(legal_first_name="O'Neil <i>", primary_clinician=clinician)
    compliance_recompute_week(week_start=THIS_WEEK)
    row = WeeklyCompliance.objects.get(client=marked, week_start=THIS_WEEK)
    client.force_login(admin)

    page = client.get(reverse("scheduling:compliance-report")).content.decode()

    link = reverse("scheduling:client-hours", args=[marked.pk])
    assert f'<a href="{link}">O&#x27;Neil &lt;i&gt; {marked.legal_last_name}</a>' in page
    assert "<i>" not in page
    assert f'<td class="text-end">{row.treatment_days}/{row.required_days}</td>' in page
    badges = {"met": "success", "on_track": "success", "at_risk": "warning", "short": "danger"}
    assert f'badge text-bg-{badges.get(row.status, "secondary")}">' in page


def test_the_alerts_rows_say_how_each_was_resolved_with_every_text_escaped(
    client, admin, clinician, alice, bob
):
    """The alerts' rows are written in Python (`alert_rows`): an open one with its figures, the
    hours still scheduled and its Resolve link; one resolved by a person with who, when, why and
    the plan; one that resolved itself with why and when; every text escaped."""
    resolved_at = local_datetime(date(2026, 11, 12), time(14, 5))
    week = date(2026, 11, 16)
    open_alert = ComplianceAlert.objects.create(
        client=alice, week_start=week, kind="at_risk", attended_minutes=300,
        required_minutes=540, treatment_days=2, required_days=3, scheduled_minutes=180,
        detail="Rides <b>cancelled</b>",
    )  # fmt: skip
    ComplianceAlert.objects.create(
        client=alice, week_start=week - timedelta(weeks=1), kind="short", resolved_at=resolved_at,
        resolved_by=clinician, reason="transportation", plan="Bus pass & <i>ride</i>",
        excused=True,
    )  # fmt: skip
    ComplianceAlert.objects.create(
        client=bob, week_start=week - timedelta(weeks=2), kind="short", resolved_at=resolved_at,
        reason="hours_met",
    )  # fmt: skip
    client.force_login(admin)

    page = client.get(reverse("scheduling:alerts"), {"status": "all"}).content.decode()

    resolve = reverse("scheduling:alert-resolve", args=[open_alert.pk])
    assert f'<a class="btn btn-sm btn-outline-primary" href="{resolve}">Resolve</a>' in page
    assert page.count(">Resolve</a>") == 1
    assert f"{alice.mrn} · week of Nov 16, 2026" in page
    assert "Attended 5 of 9 hours on 2 of 3 days. 3 more hours scheduled.</div>" in page
    assert "Rides &lt;b&gt;cancelled&lt;/b&gt;" in page
    assert (
        f"Resolved by {clinician} on Nov 12, 2:05 PM: Transportation (week excused). "
        "Plan: Bus pass &amp; &lt;i&gt;ride&lt;/i&gt;</div>"
    ) in page
    hours_met = ComplianceAlert.Reason.HOURS_MET.label
    assert f"{hours_met}, Nov 12, 2:05 PM.</div>" in page
    assert f"Primary clinician: {alice.primary_clinician}</div>" in page
    assert "<b>" not in page
    assert "<i>" not in page
