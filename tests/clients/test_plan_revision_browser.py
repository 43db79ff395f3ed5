"""A clinician revises Alice's plan in force: edits the draft, signs it, and reads what changed
between the two versions. Screenshots go to var/screenshots/."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD, TreatmentPlanFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def test_a_clinician_revises_a_plan_and_compares_the_versions(page, clinician, alice):
    TreatmentPlanFactory(client=alice)
    log_in(page, clinician.username, PASSWORD)
    page.goto(reverse("clients:chart", args=[alice.pk]))
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("heading", name="Treatment plan v1")).to_be_visible()
    page.get_by_role("button", name="Revise").click()
    expect(page.get_by_text("Draft v2 copies v1")).to_be_visible()
    expect(page.get_by_text("stays in force until this draft is signed")).to_be_visible()

    page.get_by_role("link", name="Edit problem").click()
    page.get_by_label("Problem").fill("Daily alcohol use, in early remission")
    page.get_by_role("button", name="Save problem").click()
    page.get_by_role("link", name="Edit objective").click()
    new_date = timezone.localdate() + timedelta(days=56)
    page.get_by_label("Target date").fill(str(new_date))
    page.get_by_role("button", name="Save objective").click()
    expect(page.get_by_text("The objective was changed in draft v2")).to_be_visible()
    page.locator("#id_goal-statement").fill("Return to work")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_role("button", name="Remove goal").last.click()
    expect(page.get_by_text("The goal was removed from draft v2")).to_be_visible()
    screenshot(page, "clinician-plan-revision-draft")

    page.get_by_role("button", name="Sign and activate").click()
    expect(page.get_by_text("Plan signed and active")).to_be_visible()
    page.get_by_role("link", name="What changed from the previous version").click()
    expect(page.get_by_role("heading", name="What changed from v1 to v2")).to_be_visible()
    expect(page.get_by_text("Changed: statement")).to_be_visible()
    expect(page.get_by_text("Changed: target date")).to_be_visible()
    expect(page.get_by_text("2 changed")).to_be_visible()
    screenshot(page, "clinician-plan-changes")
