"""A program director sets up payers and corrects an authorization in Chromium: the payers page
from the Administration menu, a new payer in hours, a used rule that cannot be removed, an
authorization voided from the chart, and the session page marking who attended without an
authorization. Screenshots go to var/screenshots/."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clients.models import Authorization, PayerUnitRule
from tests.factories import (
    PASSWORD,
    AuthorizationFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    PayerFactory,
)
from tests.helpers import log_in, screenshot
from tests.scheduling.helpers import record, session_in_progress

pytestmark = pytest.mark.browser


@pytest.fixture
def maria(clinician):
    """In the evening group, with a Keystone authorization entered for her by mistake."""
    client = ClientFactory(legal_first_name="Maria", legal_last_name="Lopez",
                           primary_clinician=clinician)  # fmt: skip
    payer = PayerFactory(name="Keystone Health Plan", unit_rules={"H0015": 180})
    AuthorizationFactory(client=client, payer=payer, number="KH-204816",
                         first_day=client.admission_date - timedelta(days=7))  # fmt: skip
    return client


def test_the_director_adds_a_payer_and_voids_an_authorization_entered_by_mistake(
    page, admin, clinician, maria
):
    log_in(page, admin.username, PASSWORD)
    page.get_by_role("button", name="Administration").click()
    page.get_by_role("link", name="Payers", exact=True).click()
    expect(page.get_by_role("heading", name="Payers")).to_be_visible()
    expect(page.get_by_text("H0015: one unit per day with 3 h attended")).to_be_visible()

    page.get_by_role("link", name="New payer").click()
    page.get_by_label("Name").fill("State Medicaid")
    page.get_by_label("H0015 Intensive outpatient (per diem): hours for one unit").fill("3")
    page.get_by_label("S9480 Intensive outpatient psychiatric (per diem): hours for one unit").fill(
        "2.5"
    )
    screenshot(page, "payer-new")
    page.get_by_role("button", name="Save payer").click()
    expect(page.get_by_text("Payer added: State Medicaid.")).to_be_visible()
    expect(page.get_by_text("S9480: one unit per day with 2.5 h attended")).to_be_visible()
    screenshot(page, "payers")

    page.get_by_role("link", name="Edit Keystone Health Plan").click()
    page.get_by_label("H0015 Intensive outpatient (per diem): hours for one unit").fill("")
    page.get_by_role("button", name="Save payer").click()
    expect(page.get_by_text("The H0015 rule counts the units of 1 authorization")).to_be_visible()
    screenshot(page, "payer-rule-in-use-refused")
    assert PayerUnitRule.objects.filter(payer__name="Keystone Health Plan").exists()

    page.goto(f"/clients/{maria.pk}/")
    panel = page.locator("#chart-authorizations")
    expect(panel.get_by_role("link", name="End early")).to_be_visible()
    panel.screenshot(path="var/screenshots/authorization-void-link.png")
    panel.get_by_role("link", name="Void authorization KH-204816").click()
    page.get_by_label("Reason").fill("Entered for the wrong client")
    page.get_by_role("button", name="Void…").click()
    expect(page.get_by_text("It counts no units")).to_be_visible()
    screenshot(page, "authorization-void-confirm")
    page.get_by_role("button", name="Void the authorization").click()
    expect(page.get_by_text("Authorization KH-204816 voided.")).to_be_visible()
    panel.get_by_text("Past and voided authorizations (1)").click()
    expect(panel.get_by_text("Entered for the wrong client")).to_be_visible()
    panel.scroll_into_view_if_needed()
    screenshot(page, "authorization-voided")
    assert Authorization.objects.get().is_void

    group = GroupFactory(name="Evening Relapse Prevention", facilitators=[clinician])
    EnrollmentFactory(group=group, client=maria, start_date=maria.admission_date)
    covered = EnrollmentFactory(group=group, client__legal_first_name="Sam").client
    AuthorizationFactory(client=covered, first_day=covered.admission_date)
    session = session_in_progress(group=group)
    record(session, clinician, (maria, "present", 180), (covered, "present", 180))
    page.goto(reverse("scheduling:session-detail", args=[session.pk]))
    sheet = page.locator("#attendance-sheet")
    expect(sheet.get_by_role("link", name="No authorization")).to_have_count(1)
    screenshot(page, "session-no-authorization")
    sheet.get_by_role("link", name="No authorization").click()
    expect(page.locator("#chart-authorizations")).to_be_visible()
