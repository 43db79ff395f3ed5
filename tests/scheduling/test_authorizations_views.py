"""Where people see and record authorizations: the chart's burn-down fragment, the forms to
record and end one, the utilization-review list (Today, the admin home), the alerts page and the
CSV export."""

import csv
import io
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Authorization
from clients.services.authorizations import authorization_create
from iop.clock import local_datetime
from iop.exports import REDISCLOSURE_NOTICE
from iop.models import ChartRead
from scheduling.selectors.authorizations import REVIEW_CARD_SHOWN
from scheduling.services.authorizations import utilization_reviews_update
from scheduling.views.authorizations import UTILIZATION_REVIEWS_PAGE_SIZE
from tests.factories import (
    AttendanceFactory,
    AuthorizationFactory,
    ClientFactory,
    PayerFactory,
    SessionFactory,
)

TODAY = timezone.localdate()


def attend_days(client, days):
    for ago in days:
        start = local_datetime(TODAY - timedelta(days=ago), time(9, 0))
        session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=3))
        AttendanceFactory(session=session, client=client)


@pytest.fixture
def running_out(alice):
    """Alice has 2 of 6 units left, and the authorization ends in 5 days: review due."""
    authorization = AuthorizationFactory(
        client=alice, units_authorized=6, first_day=alice.admission_date,
        last_day=TODAY + timedelta(days=5),
    )  # fmt: skip
    attend_days(alice, [1, 2, 3, 4])
    return authorization


def test_the_chart_fragment_draws_the_burn_down_with_a_text_alternative(
    client, clinician, alice, running_out
):
    client.force_login(clinician)
    response = client.get(
        reverse("scheduling:client-authorizations", args=[alice.pk]),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    assert "<polyline" in html
    assert "4 of 6 units used, 2 left" in html
    assert "Utilization review due" in html
    assert ChartRead.objects.filter(client_ids=[alice.pk], what="payer authorizations").exists()


def test_the_chart_flags_attended_days_no_authorization_covers(client, clinician, alice):
    attend_days(alice, [2])
    client.force_login(clinician)
    response = client.get(reverse("scheduling:client-authorizations", args=[alice.pk]))
    assert "Attended without an authorization" in response.content.decode()


def test_a_clinician_records_an_authorization_and_bad_input_says_why(client, clinician, alice):
    payer = PayerFactory()
    client.force_login(clinician)
    url = reverse("clients:authorization-create", args=[alice.pk])
    fields = {
        "payer": payer.pk, "number": "KH-1", "service_code": "H0015", "units_authorized": 12,
        "first_day": TODAY.isoformat(), "last_day": (TODAY - timedelta(days=1)).isoformat(),
    }  # fmt: skip
    refused = client.post(url, fields)
    assert refused.status_code == 200
    assert "The last day cannot be before the first day." in refused.content.decode()
    refused = client.post(url, fields | {"units_authorized": 0, "last_day": TODAY.isoformat()})
    assert "between 1 and 366 units" in refused.content.decode()
    assert not Authorization.objects.exists()
    response = client.post(url, fields | {"last_day": (TODAY + timedelta(days=27)).isoformat()})
    assert response.status_code == 302
    overlapping = client.post(url, fields | {"number": "KH-2", "last_day": TODAY.isoformat()})
    assert "Overlaps authorization KH-1" in overlapping.content.decode()
    assert list(Authorization.objects.values_list("number", flat=True)) == ["KH-1"]


def test_a_clinician_outside_reach_cannot_record_or_see_authorizations(
    client, second_clinician, alice, running_out
):
    client.force_login(second_clinician)
    for url in (
        reverse("clients:authorization-create", args=[alice.pk]),
        reverse("clients:authorization-end", args=[alice.pk, running_out.pk]),
        reverse("scheduling:client-authorizations", args=[alice.pk]),
    ):
        assert client.get(url).status_code == 404
    review = client.get(reverse("scheduling:authorizations-review"))
    assert "Anders" not in review.content.decode()


def test_ending_an_authorization_early_keeps_its_record(client, clinician, alice, running_out):
    client.force_login(clinician)
    url = reverse("clients:authorization-end", args=[alice.pk, running_out.pk])
    response = client.post(url, {"ended_on": TODAY.isoformat(), "reason": "Stepped down to OP"})
    assert response.status_code == 302
    running_out.refresh_from_db()
    assert (running_out.ended_on, running_out.last_day) == (TODAY, TODAY + timedelta(days=5))


def test_the_review_list_and_the_alerts_page_show_the_authorization_running_out(
    client, clinician, admin, alice, running_out
):
    utilization_reviews_update()
    client.force_login(clinician)
    review = client.get(reverse("scheduling:authorizations-review")).content.decode()
    assert "Alice Anders" in review
    assert "Ends " in review
    alerts = client.get(reverse("scheduling:alerts")).content.decode()
    assert "Utilization review due" in alerts
    assert running_out.number in alerts
    assert reverse("scheduling:utilization-reviews") in alerts
    assert client.get(reverse("scheduling:today")).status_code == 200
    assert ChartRead.objects.filter(what="utilization review list", client_ids=[alice.pk]).exists()


def authorizations_ending(count, *, clinician, payer, prefix="E"):
    """`count` of the clinician's clients, each with an authorization ending in 0-6 days (the one
    of the n-th client in n % 7 days): all due for review."""
    clients = [
        ClientFactory(legal_last_name=f"{prefix}nding{index:03d}", primary_clinician=clinician)
        for index in range(count)
    ]
    for index, client in enumerate(clients):
        AuthorizationFactory(
            client=client, payer=payer, number=f"{prefix}{index:03d}", first_day=client.admission_date,
            last_day=TODAY + timedelta(days=index % 7),
        )  # fmt: skip
    return clients


def test_the_card_shows_the_most_urgent_reviews_and_links_to_all_of_them_most_urgent_first(
    client, clinician, second_clinician, admin
):
    payer = PayerFactory()
    authorizations_ending(30, clinician=clinician, payer=payer)
    [theirs] = authorizations_ending(1, clinician=second_clinician, payer=payer, prefix="T")
    utilization_reviews_update()
    client.force_login(admin)
    card = client.get(reverse("scheduling:authorizations-review")).content.decode()
    assert f"The {REVIEW_CARD_SHOWN} most urgent of 31." in card
    assert reverse("scheduling:utilization-reviews") in card
    assert "#E000" in card  # ends today
    assert "#E006" not in card  # in six days
    listed = client.get(reverse("scheduling:utilization-reviews")).content.decode()
    assert "31 reviews due." in listed
    assert listed.index("#E000") < listed.index("#E001") < listed.index("#E002")
    second = client.get(reverse("scheduling:utilization-reviews") + "?page=2").content.decode()
    assert "Page 2 of 2" in second
    assert "#E006" in second
    assert ChartRead.objects.filter(what="utilization reviews").count() == 2
    client.force_login(second_clinician)
    own = client.get(reverse("scheduling:utilization-reviews")).content.decode()
    assert "1 review due." in own
    assert theirs.display_name in own


def test_recording_the_renewal_takes_the_review_off_the_list_at_once(
    client, clinician, admin, alice, running_out
):
    utilization_reviews_update()
    client.force_login(clinician)
    url = reverse("scheduling:utilization-reviews")
    assert running_out.number in client.get(url).content.decode()
    authorization_create(
        client=alice, payer=running_out.payer, number="RENEWED-1", service_code="H0015",
        units_authorized=20, first_day=running_out.last_day + timedelta(days=1),
        last_day=running_out.last_day + timedelta(days=28), actor=clinician,
    )  # fmt: skip
    assert "0 reviews due." in client.get(url).content.decode()


@pytest.mark.parametrize("number_of_clients", [3, 60])
def test_the_reviews_list_costs_the_same_queries_for_3_or_60_reviews(
    client, clinician, django_assert_num_queries, number_of_clients
):
    authorizations_ending(number_of_clients, clinician=clinician, payer=PayerFactory())
    utilization_reviews_update()
    client.force_login(clinician)
    client.get(reverse("scheduling:today"))  # the session's verification and the like, once
    # The request's own (session, user, verification), the count, the page, the chart read.
    with django_assert_num_queries(8):
        response = client.get(reverse("scheduling:utilization-reviews"))
    shown = response.content.decode().count("#E0")
    assert shown == min(number_of_clients, UTILIZATION_REVIEWS_PAGE_SIZE)


def test_the_csv_export_opens_with_the_part_2_notice_and_logs_each_client(
    client, admin, alice, running_out
):
    client.force_login(admin)
    response = client.get(reverse("scheduling:authorizations-export"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [REDISCLOSURE_NOTICE]
    assert rows[2][:2] == ["MRN", "Client"]
    assert rows[3][0] == alice.mrn
    assert rows[3][9:12] == ["6", "4", "2"]
    assert ChartRead.objects.filter(
        what="authorizations export", client_ids=[alice.pk], action=ChartRead.Action.EXPORT
    ).exists()


def test_clients_see_none_of_it(client, alice, running_out):
    client.force_login(alice.user)
    for url in (
        reverse("scheduling:authorizations-review"),
        reverse("scheduling:utilization-reviews"),
        reverse("scheduling:authorizations-export"),
        reverse("scheduling:client-authorizations", args=[alice.pk]),
    ):
        assert client.get(url).status_code == 403


def test_voiding_an_authorization_asks_for_a_reason_then_to_confirm_and_keeps_it_struck_through(
    client, clinician, alice, running_out
):
    client.force_login(clinician)
    url = reverse("clients:authorization-void", args=[alice.pk, running_out.pk])
    chart_panel = reverse("scheduling:client-authorizations", args=[alice.pk])
    assert url in client.get(chart_panel).content.decode()
    assert "Why it is void" in client.get(url).content.decode()
    refused = client.post(url, {"reason": "  "})
    assert "This field is required." in refused.content.decode()
    confirm = client.post(url, {"reason": "Entered for the wrong client"})
    assert "It counts no units" in confirm.content.decode()
    assert not Authorization.objects.get().is_void
    done = client.post(url, {"reason": "Entered for the wrong client", "confirm": "yes"})
    assert done.status_code == 302
    running_out.refresh_from_db()
    assert (running_out.voided_by, running_out.void_reason) == (
        clinician,
        "Entered for the wrong client",
    )
    panel = client.get(chart_panel).content.decode()
    assert "<del>" in panel
    assert f"voided by {clinician} on {TODAY:%b %-d, %Y}: Entered for the wrong client" in panel
    assert "No current authorization." in panel
    # It counts nothing: the days it covered are attended without an authorization.
    assert "Attended without an authorization" in panel
    again = client.post(url, {"reason": "Twice", "confirm": "yes"})
    assert "already voided" in again.content.decode()


def test_a_clinician_outside_reach_and_a_client_cannot_void(
    client, second_clinician, alice, running_out
):
    url = reverse("clients:authorization-void", args=[alice.pk, running_out.pk])
    client.force_login(second_clinician)
    assert client.post(url, {"reason": "No", "confirm": "yes"}).status_code == 404
    client.force_login(alice.user)
    assert client.post(url, {"reason": "No", "confirm": "yes"}).status_code == 403
    assert not Authorization.objects.get().is_void
