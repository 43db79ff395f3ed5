"""A clinician records a urine drug screen with an unexpected positive from the chart, sees the
alert on top of Today and documents the follow-up. Screenshots go to var/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import (
    PANEL_SUBSTANCES,
    ClinicalAlert,
    DrugScreen,
    Medication,
    Panel,
    ScreenResult,
    Substance,
)
from tests.factories import PASSWORD, DrugScreenFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

FOLLOW_UP = "Met with Alice after group; she used once at a party. Relapse plan updated."


def test_an_unexpected_positive_screen_is_followed_up_from_today(page, clinician, alice):
    Medication.objects.create(
        client=alice, name="Buprenorphine/naloxone", dose="8/2 mg", is_mat=True
    )
    for weeks_ago in range(1, 4):  # her earlier weekly screens, as expected
        DrugScreenFactory(
            client=alice,
            collected_on=max(
                alice.admission_date, timezone.localdate() - timedelta(weeks=weeks_ago)
            ),
            results={"buprenorphine": ScreenResult.EXPECTED},
        )
    log_in(page, clinician.username, PASSWORD)
    page.goto(f"/clients/{alice.pk}/")
    page.get_by_role("link", name="Record drug screen").first.click()
    expect(page.get_by_role("heading", name="Record a drug screen")).to_be_visible()
    page.get_by_label("Collection observed by staff").check()
    for substance in PANEL_SUBSTANCES[Panel.TWELVE]:
        row = page.get_by_role("radiogroup", name=Substance(substance).label, exact=True)
        answer = {"cocaine": "Positive", "buprenorphine": "Expected (prescribed)"}.get(
            substance, "Negative"
        )
        if substance != "thc":  # forgotten at first
            row.get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Record screen").click()
    expect(page.get_by_text("Choose a result for Cannabis (THC).")).to_be_visible()
    screenshot(page, "drug-screen-missing-result")
    assert DrugScreen.objects.count() == 3

    page.get_by_role("button", name="Negative for the rest").click()
    thc = page.get_by_role("radiogroup", name="Cannabis (THC)")
    expect(thc.get_by_label("Negative", exact=True)).to_be_checked()
    expect(page.get_by_role("radiogroup", name="Cocaine").get_by_label("Positive")).to_be_checked()
    page.get_by_role("button", name="Record screen").click()
    expect(page.get_by_text("Drug screen recorded.")).to_be_visible()
    alerts = page.get_by_role("region", name="Needs follow-up (1)")
    expect(alerts).to_contain_text("Unexpected positive drug screen")
    expect(alerts).to_contain_text("Positive for Cocaine")
    expect(page.get_by_role("heading", name="Drug screens and attendance")).to_be_visible()
    screenshot(page, "drug-screen-chart-with-alert")

    page.get_by_role("link", name="Today", exact=True).first.click()
    alerts = page.get_by_role("region", name="Needs follow-up (1)")
    expect(alerts).to_contain_text("Alice Anders")
    screenshot(page, "drug-screen-alert-on-today")
    alerts.get_by_role("link", name="Document follow-up").click()
    page.get_by_label("What was done").fill(FOLLOW_UP)
    screenshot(page, "drug-screen-follow-up")
    page.get_by_role("button", name="Document follow-up").click()
    expect(page.get_by_text("Follow-up documented")).to_be_visible()
    expect(page.get_by_role("region", name="Needs follow-up (1)")).to_have_count(0)
    expect(page.get_by_role("heading", name="Drug screens and attendance")).to_be_visible()
    screenshot(page, "drug-screen-followed-up-chart")

    alert = ClinicalAlert.objects.get()
    assert (alert.follow_up_note, alert.followed_up_by) == (FOLLOW_UP, clinician)
    assert alert.source == DrugScreen.objects.get(collected_on=timezone.localdate())
