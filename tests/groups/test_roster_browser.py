"""An admin withdraws one client and voids a mistaken enrollment on the roster, keyboard only,
through the confirm step each asks. Screenshots go to var/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Enrollment
from tests.factories import PASSWORD, EnrollmentFactory, GroupFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_withdraws_a_client_and_voids_a_mistaken_enrollment(page, admin, alice, bob):
    group = GroupFactory(name="Evening Relapse Prevention")
    today = timezone.localdate()
    withdrawn = EnrollmentFactory(group=group, client=alice, start_date=today - timedelta(days=7))
    mistaken = EnrollmentFactory(group=group, client=bob, start_date=today)
    log_in(page, admin.username, PASSWORD)
    page.goto(f"/groups/{group.pk}/roster/")

    last_day = page.get_by_label(f"Last day for {alice.display_name}")
    last_day.focus()
    last_day.fill((today - timedelta(days=8)).isoformat())  # the day before the start
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("the last day cannot be before that")).to_be_visible()
    screenshot(page, "admin-roster-withdraw-refused")
    assert Enrollment.objects.get(pk=withdrawn.pk).end_date is None

    last_day = page.get_by_label(f"Last day for {alice.display_name}")
    last_day.fill((today + timedelta(days=2)).isoformat())
    last_day.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    question = page.get_by_role("heading", name=f"Withdraw {alice.display_name} from")
    expect(question).to_be_focused()
    screenshot(page, "admin-roster-withdraw-confirm")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=f"Withdraw {alice.display_name}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{alice.display_name} leaves {group}")).to_be_visible()
    assert Enrollment.objects.get(pk=withdrawn.pk).end_date == today + timedelta(days=2)

    page.get_by_role("link", name=f"Void {bob.display_name}'s enrollment").focus()
    page.keyboard.press("Enter")
    reason = page.get_by_label("Why is this enrollment void?")
    expect(reason).to_be_focused()
    page.keyboard.type("Meant the morning group")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name=f"Void {bob.display_name}'s enrollment")
    ).to_be_focused()
    screenshot(page, "admin-roster-void-confirm")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{bob.display_name}'s enrollment in {group} is void.")).to_be_visible()
    screenshot(page, "admin-roster-after-void")
    mistaken.refresh_from_db()
    assert (mistaken.voided_by, mistaken.void_reason) == (admin, "Meant the morning group")
    expect(page.get_by_text(f"1 of {group.capacity} places taken")).to_be_visible()
