"""The clinician takes a referral through intake and activates a plan; the client signs it from
the portal on a phone. Screenshots go to var/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client, TreatmentPlan
from tests.factories import PASSWORD, ClientFactory, TreatmentPlanFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def carol(clinician):
    return ClientFactory(
        status="referred",
        legal_first_name="Carol",
        legal_last_name="Chen",
        primary_clinician=clinician,
        user__username="carol",
    )


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state("networkidle")


def test_intake_to_an_active_plan_signed_by_the_client(page, phone_page, clinician, carol):
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Carol Chen").click()
    page.get_by_role("link", name="Start intake").click()

    page.get_by_label("Referral source").fill("Primary care physician")
    page.get_by_label("Presenting problem").fill("Daily drinking for two years; DUI last month.")
    save_and_continue(page)
    page.get_by_label("Substance").fill("Alcohol")
    page.get_by_label("Route").select_option("oral")
    page.get_by_label("Frequency").fill("daily")
    page.get_by_label("Last use").fill(str(timezone.localdate() - timedelta(days=2)))
    save_and_continue(page)
    page.get_by_label("ICD-10 code").fill("F10.20")
    page.get_by_label("Description").fill("Alcohol use disorder, moderate")
    save_and_continue(page)
    for field, rating in (("withdrawal", 1), ("biomedical", 0), ("emotional", 2),
                          ("readiness", 2), ("relapse", 3), ("environment", 1)):  # fmt: skip
        page.locator(f'input[name="asam_{field}"][value="{rating}"]').check()
    screenshot(page, "clinician-intake-asam")
    save_and_continue(page)
    save_and_continue(page)  # no medications
    page.get_by_label("Payer").fill("Medicaid")
    save_and_continue(page)
    page.get_by_label("The client signed the consent to treatment").check()
    page.get_by_role("button", name="Complete intake and admit").click()
    expect(page.get_by_text("Intake complete")).to_be_visible()

    page.get_by_role("link", name="New treatment plan").click()
    page.get_by_role("button", name="Start draft").click()
    page.locator("#id_problem-statement").fill("Alcohol use threatens work and health")
    page.get_by_role("button", name="Add problem").click()
    page.get_by_label("Under problem").select_option(index=1)
    page.locator("#id_goal-statement").fill("Sustained abstinence from alcohol")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_label("Under goal").select_option(index=1)
    page.locator("#id_objective-description").fill("Attend 9 hours of groups weekly for 4 weeks")
    page.get_by_label("Target date").fill(str(timezone.localdate() + timedelta(days=28)))
    page.get_by_role("button", name="Add objective").click()
    page.get_by_label("Under objective").select_option(index=1)
    page.get_by_label("Modality").select_option("group")
    page.get_by_label("Frequency").fill("3 evenings a week")
    page.get_by_label("Responsible staff").select_option(str(clinician.pk))
    page.get_by_role("button", name="Add intervention").click()
    screenshot(page, "clinician-plan-draft")
    page.get_by_role("button", name="Sign and activate").click()
    expect(page.get_by_text("Plan signed and active")).to_be_visible()
    screenshot(page, "clinician-plan-active")
    page.get_by_role("link", name="Carol Chen").click()
    expect(page.get_by_text("awaiting the client's signature")).to_be_visible()
    page.locator("#chart-activity").wait_for()
    screenshot(page, "clinician-chart-after-intake")

    log_in(phone_page, "carol", PASSWORD)
    phone_page.get_by_role("link", name="Read and sign my plan").click()
    expect(phone_page.get_by_text("Sustained abstinence from alcohol")).to_be_visible()
    phone_page.get_by_label("Type your full name to sign").fill("Carol Chen")
    phone_page.get_by_role("button", name="Sign my plan").click()
    expect(phone_page.get_by_text("you signed your treatment plan")).to_be_visible()
    screenshot(phone_page, "client-plan-signed-phone")

    plan = TreatmentPlan.objects.get(client__legal_last_name="Chen")
    assert plan.status == TreatmentPlan.Status.ACTIVE
    assert plan.client_signed_name == "Carol Chen"
    assert Client.objects.get(pk=carol.pk).status == Client.Status.ACTIVE


def test_a_disclosure_prints_with_the_notice_and_shows_in_the_clients_ledger(
    page, phone_page, clinician, alice
):
    TreatmentPlanFactory(client=alice)
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name="Clients").click()
    screenshot(page, "clinician-client-list")
    page.get_by_role("link", name=alice.display_name).click()
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Recipient").fill("County drug court")
    page.get_by_label("Purpose").fill("Verify treatment participation")
    page.get_by_label("Treatment plan").check()
    page.get_by_label("Signed on").fill(str(timezone.localdate()))
    page.get_by_label("Expires on").fill(str(timezone.localdate() + timedelta(days=180)))
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent recorded")).to_be_visible()
    page.get_by_role("link", name="Print / export").click()
    page.get_by_label("Consent").select_option(index=1)
    page.get_by_label("Information").select_option("treatment_plan")
    page.get_by_role("button", name="Disclose and print").click()
    expect(page.get_by_text("42 CFR 2.32")).to_be_visible()
    screenshot(page, "clinician-disclosure-print")

    log_in(phone_page, alice.user.username, PASSWORD)
    phone_page.get_by_role("button", name="Menu").click()
    phone_page.get_by_role("link", name="My program").click()
    phone_page.get_by_role("link", name="Who received my record").click()
    expect(phone_page.get_by_text("County drug court")).to_be_visible()
    screenshot(phone_page, "client-disclosure-ledger-phone")


def test_a_clinician_discharges_a_client_with_an_aftercare_plan(page, clinician, alice):
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name="My caseload").click()
    page.get_by_role("link", name=alice.display_name).click()
    page.get_by_role("link", name="Discharge").click()
    page.get_by_label("Reason").select_option("completed")
    page.get_by_label("Step down level").select_option("1")
    page.get_by_label("Alumni group").check()
    page.get_by_label("Mutual-help meetings").check()
    page.get_by_label("Summary").fill("Completed 12 weeks; steps down to weekly counseling.")
    screenshot(page, "clinician-discharge-form")
    page.get_by_role("button", name="Discharge…").click()
    expect(page.get_by_role("heading", name=f"Discharge {alice.display_name} on")).to_be_focused()
    screenshot(page, "clinician-discharge-confirm")
    assert Client.objects.get(pk=alice.pk).status == Client.Status.ACTIVE
    page.get_by_role("button", name=f"Discharge {alice.display_name}").click()
    expect(page.get_by_text("Client discharged")).to_be_visible()
    expect(page.get_by_text("Alumni group, Mutual-help meetings")).to_be_visible()
    screenshot(page, "clinician-chart-discharged")
    assert Client.objects.get(pk=alice.pk).status == Client.Status.DISCHARGED
