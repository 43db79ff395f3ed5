"""Urine drug screens: recorded once with a result per substance of the panel; an unexpected
positive opens a clinical alert in the same transaction; corrections void the screen; the chart
shows screens over the weeks beside the hours attended."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from clients.models import (
    PANEL_SUBSTANCES,
    ClinicalAlert,
    DrugScreen,
    DrugScreenResult,
    Medication,
    Panel,
    ScreenResult,
    Substance,
)
from clients.selectors import clinical_alert_list
from clients.services.drug_screens import drug_screen_record, drug_screen_void
from iop.models import ChartRead, Role
from tests.factories import ClientFactory, DrugScreenFactory, UserFactory

VOID_REASON = "Entered on the wrong chart by mistake"


def negative(panel=Panel.TWELVE, **lines):
    return {**dict.fromkeys(PANEL_SUBSTANCES[panel], ScreenResult.NEGATIVE), **lines}


@pytest.fixture
def on_buprenorphine(alice):
    Medication.objects.create(
        client=alice, name="Buprenorphine/naloxone", dose="8/2 mg daily", is_mat=True
    )
    return alice


def record(client, actor, **kwargs):
    arguments = {
        "collected_on": timezone.localdate(),
        "observed": True,
        "panel": Panel.TWELVE,
        "results": negative(),
        **kwargs,
    }
    return drug_screen_record(client=client, actor=actor, **arguments)


# --- Recording ---------------------------------------------------------------------------------


def test_a_negative_screen_keeps_one_result_per_substance_and_raises_nothing(alice, clinician):
    screen = record(alice, clinician)
    assert sorted(screen.results.values_list("substance", flat=True)) == sorted(
        PANEL_SUBSTANCES[Panel.TWELVE]
    )
    assert screen.recorded_by == clinician
    assert screen.summary == "Negative for every substance"
    assert not ClinicalAlert.objects.exists()


def test_an_unexpected_positive_opens_an_alert_with_the_screen(alice, clinician):
    screen = record(
        alice,
        clinician,
        results=negative(cocaine=ScreenResult.POSITIVE, thc=ScreenResult.POSITIVE),
        observed=False,
    )
    alert = ClinicalAlert.objects.get()
    assert (alert.client, alert.kind, alert.source) == (
        alice,
        ClinicalAlert.Kind.UNEXPECTED_POSITIVE_SCREEN,
        screen,
    )
    assert not alert.urgent
    day = f"{timezone.localdate():%b %-d}"
    assert (
        alert.detail
        == f"Positive for Cocaine, Cannabis (THC) on a screen collected {day} (unobserved)."
    )
    assert screen.outcome == ScreenResult.POSITIVE


def test_prescribed_buprenorphine_is_an_expected_positive_and_raises_nothing(
    on_buprenorphine, clinician
):
    screen = record(
        on_buprenorphine, clinician, results=negative(buprenorphine=ScreenResult.EXPECTED)
    )
    assert screen.summary == "expected: Buprenorphine"
    assert screen.outcome == ScreenResult.EXPECTED
    assert not ClinicalAlert.objects.exists()


def test_an_expected_positive_needs_a_prescription(alice, clinician):
    with pytest.raises(ValidationError, match="not on the client's medication list"):
        record(alice, clinician, results=negative(methadone=ScreenResult.EXPECTED))
    assert not DrugScreen.objects.exists()


def test_a_missing_result_is_refused_naming_the_substance(alice, clinician):
    results = negative()
    del results[Substance.COCAINE]
    with pytest.raises(ValidationError) as refused:
        record(alice, clinician, results=results)
    assert refused.value.message_dict["results"] == ["Choose a result for Cocaine."]
    assert not DrugScreen.objects.exists()


def test_a_substance_the_panel_does_not_test_is_refused(alice, clinician):
    with pytest.raises(ValidationError, match="the panel does not test"):
        record(alice, clinician, results=negative(fentanyl=ScreenResult.POSITIVE))
    assert not DrugScreen.objects.exists()
    assert not ClinicalAlert.objects.exists()


def test_the_fourteen_panel_adds_fentanyl_and_alcohol(alice, clinician):
    screen = record(
        alice,
        clinician,
        panel=Panel.FOURTEEN,
        results=negative(Panel.FOURTEEN, fentanyl=ScreenResult.POSITIVE),
    )
    assert screen.results.count() == 14
    assert "Fentanyl" in ClinicalAlert.objects.get().detail


class ImplausibleCollectionDateTests(TestCase):
    """Any collection date before the admission or after today is refused and writes nothing."""

    @classmethod
    def setUpTestData(cls):
        cls.clinician = UserFactory(role=Role.CLINICIAN)
        cls.client_record = ClientFactory(
            primary_clinician=cls.clinician,
            admission_date=timezone.localdate() - timedelta(days=20),
        )

    @given(days=st.one_of(st.integers(1, 2000), st.integers(-5000, -21)))
    def test_a_collection_outside_the_admission_and_today_is_refused(self, days):
        with pytest.raises(ValidationError) as refused:
            record(
                self.client_record,
                self.clinician,
                collected_on=timezone.localdate() + timedelta(days=days),
                results=negative(cocaine=ScreenResult.POSITIVE),
            )
        assert "collected_on" in refused.value.message_dict
        assert not DrugScreen.objects.exists()
        assert not ClinicalAlert.objects.exists()


def test_a_client_not_yet_admitted_has_no_screens(clinician):
    referred = ClientFactory(status="referred", primary_clinician=clinician)
    with pytest.raises(ValidationError, match="once the client is admitted"):
        record(referred, clinician)


# --- The database keeps the record -------------------------------------------------------------


def test_each_substance_appears_once_per_screen(alice, clinician):
    screen = record(alice, clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        DrugScreenResult.objects.create(
            screen=screen, substance=Substance.COCAINE, result=ScreenResult.POSITIVE
        )


def test_results_and_screens_are_never_changed_or_deleted(alice, clinician):
    screen = record(alice, clinician)
    with pytest.raises(InternalError, match="drug_screen_result_append_only"), transaction.atomic():
        screen.results.filter(substance=Substance.COCAINE).update(result=ScreenResult.POSITIVE)
    with pytest.raises(InternalError, match="drug_screen_result_append_only"), transaction.atomic():
        screen.results.all().delete()
    with (
        pytest.raises(InternalError, match="drug_screen_changed_only_by_voiding"),
        transaction.atomic(),
    ):
        DrugScreen.objects.filter(pk=screen.pk).update(observed=False)
    with (
        pytest.raises(InternalError, match="drug_screen_never_deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM clients_drugscreen WHERE id = %s", [screen.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        DrugScreen.objects.filter(pk=screen.pk).update(void_reason="half a void")
    drug_screen_void(screen=screen, actor=clinician, reason=VOID_REASON)
    with pytest.raises(InternalError, match="drug_screen_final_once_voided"), transaction.atomic():
        DrugScreen.objects.filter(pk=screen.pk).update(void_reason="another reason, later on")


# --- Voiding -----------------------------------------------------------------------------------


def test_voiding_keeps_the_screen_and_follows_up_its_alert_with_the_reason(alice, clinician):
    screen = record(alice, clinician, results=negative(cocaine=ScreenResult.POSITIVE))
    drug_screen_void(screen=screen, actor=clinician, reason=f"  {VOID_REASON} ")
    screen.refresh_from_db()
    assert (screen.voided_by, screen.void_reason) == (clinician, VOID_REASON)
    alert = ClinicalAlert.objects.get()
    assert not alert.is_open
    assert alert.follow_up_note == f"The screen was voided by {clinician}: {VOID_REASON}"
    assert screen.results.count() == 12
    with pytest.raises(ValidationError, match="already voided"):
        drug_screen_void(screen=screen, actor=clinician, reason=VOID_REASON)


def test_a_void_needs_a_reason_and_a_clinician_within_reach(
    alice, clinician, admin, second_clinician
):
    screen = record(alice, clinician)
    with pytest.raises(ValidationError) as refused:
        drug_screen_void(screen=screen, actor=clinician, reason="mistake")
    assert "reason" in refused.value.message_dict
    for outsider in (admin, second_clinician):
        with pytest.raises(ValidationError, match="Only a clinician caring for this client"):
            drug_screen_void(screen=screen, actor=outsider, reason=VOID_REASON)
    screen.refresh_from_db()
    assert not screen.is_voided


# --- Pages -------------------------------------------------------------------------------------


def form_data(panel=Panel.TWELVE, **lines):
    data = {"collected_on": timezone.localdate().isoformat(), "observed": "on"}
    data.update({f"result_{each}": result for each, result in negative(panel, **lines).items()})
    return data


def test_the_form_has_a_row_per_substance_and_offers_expected_only_when_prescribed(
    client, on_buprenorphine, clinician
):
    client.force_login(clinician)
    url = reverse("clients:drug-screen-record", args=[on_buprenorphine.pk])
    form = client.get(url).context["form"]
    rows = {
        field.name: [value for value, _ in field.field.choices] for field in form.result_fields()
    }
    assert list(rows) == [f"result_{each}" for each in PANEL_SUBSTANCES[Panel.TWELVE]]
    assert ScreenResult.EXPECTED in rows["result_buprenorphine"]
    assert ScreenResult.EXPECTED not in rows["result_methadone"]
    fourteen = client.get(url, {"panel": Panel.FOURTEEN}).context["form"]
    assert "result_fentanyl" in fourteen.fields


def test_recording_an_unexpected_positive_from_the_chart(client, alice, clinician):
    client.force_login(clinician)
    url = reverse("clients:drug-screen-record", args=[alice.pk])
    response = client.post(url, form_data(cocaine=ScreenResult.POSITIVE))
    assert response.status_code == 302
    assert response.url == reverse("clients:chart", args=[alice.pk])
    assert ChartRead.objects.filter(
        user=clinician, client_ids__contains=[alice.pk], path=url
    ).exists()
    screen = DrugScreen.objects.get()
    assert screen.substances_with(ScreenResult.POSITIVE) == ["Cocaine"]
    assert clinical_alert_list(user=clinician, open_only=True).get().source == screen


def test_a_missing_result_or_a_future_date_is_shown_on_the_form_and_changes_nothing(
    client, alice, clinician
):
    client.force_login(clinician)
    url = reverse("clients:drug-screen-record", args=[alice.pk])
    data = form_data(cocaine=ScreenResult.POSITIVE)
    del data["result_thc"]
    page = client.post(url, data).content.decode()
    assert "Choose a result for Cannabis (THC)." in page
    data = form_data(cocaine=ScreenResult.POSITIVE)
    data["collected_on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = client.post(url, data).content.decode()
    assert "A screen cannot be collected in the future." in page
    assert not DrugScreen.objects.exists()
    assert not ClinicalAlert.objects.exists()


def test_voiding_from_the_chart_asks_to_confirm(client, alice, clinician):
    screen = DrugScreenFactory(client=alice)
    client.force_login(clinician)
    url = reverse("clients:drug-screen-void", args=[alice.pk, screen.pk])
    confirm = client.post(url, {"reason": VOID_REASON})
    assert "Void the screen collected" in confirm.content.decode()
    screen.refresh_from_db()
    assert not screen.is_voided
    done = client.post(url, {"reason": VOID_REASON, "confirm": "yes"})
    assert done.status_code == 302
    screen.refresh_from_db()
    assert screen.void_reason == VOID_REASON


def test_the_chart_shows_screens_over_the_weeks_beside_the_hours(
    client, on_buprenorphine, clinician
):
    alice = on_buprenorphine
    today = timezone.localdate()
    DrugScreenFactory(client=alice, results={"buprenorphine": ScreenResult.EXPECTED})
    DrugScreenFactory(client=alice, collected_on=today, results={"cocaine": ScreenResult.POSITIVE})
    voided = DrugScreenFactory(client=alice, collected_on=today)
    drug_screen_void(screen=voided, actor=clinician, reason=VOID_REASON)
    client.force_login(clinician)
    page = client.get(reverse("scheduling:client-activity", args=[alice.pk])).content.decode()
    assert "Drug screens and attendance" in page
    assert page.count("<circle") == 2  # the voided screen is listed, not drawn
    assert 'fill="#dc3545"' in page
    assert 'fill="#0d6efd"' in page
    assert f"{today:%b %-d} (observed): Positive: Cocaine" in page  # the text alternative
    assert "expected: Buprenorphine" in page
    assert f"(voided: {VOID_REASON})" in page


def _activity_queries(client, alice):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("scheduling:client-activity", args=[alice.pk])).status_code == 200
    return len(queries)


def test_the_charts_activity_takes_the_same_queries_for_one_or_many_screens(
    client, alice, clinician
):
    client.force_login(clinician)
    DrugScreenFactory(client=alice)
    one = _activity_queries(client, alice)
    for days in range(1, 10):
        DrugScreenFactory(
            client=alice,
            collected_on=max(alice.admission_date, timezone.localdate() - timedelta(days=days)),
            results={"cocaine": ScreenResult.POSITIVE} if days % 3 == 0 else {},
        )
    assert _activity_queries(client, alice) == one
