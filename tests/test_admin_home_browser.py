"""A program director's morning in Chromium, on the demo clinic: the admin home, the utilization
reviews due and a number followed to the lists behind them, and the reports. Screenshots go to var/screenshots/."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import expect

from demo.people import DEMO_PASSWORD
from groups.models import Group
from groups.selectors import group_list
from iop import clock
from tests.factories import EnrollmentFactory, instruments_installed
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def migration_data_restored() -> None:
    """A live-server test's database is flushed between tests, data migrations' rows too: put
    back the program tracks and the instruments the demo relies on."""
    tracks = importlib.import_module("clients.migrations.0002_mrn_sequence_and_tracks")
    tracks.create_tracks(apps, None)
    instruments_installed()


def test_the_director_scans_the_home_follows_a_number_and_opens_two_reports(page):
    migration_data_restored()
    call_command("seed_demo")
    log_in(page, "admin", DEMO_PASSWORD)

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for card in ("Census today", "Weekly hours", "Overdue work by clinician", "Groups at or near"):
        expect(page.get_by_role("heading", name=card)).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "admin-home")

    # A group filled to its last seat: the capacity card names it, full, linked to its roster.
    group = Group.objects.filter(is_active=True, first_date__lte=clock.today()).first()
    while group_list(on=clock.today()).get(pk=group.pk).enrolled < group.capacity:
        EnrollmentFactory(group=group)
    page.reload()
    card = page.locator("#near-capacity")
    expect(card.get_by_role("link", name=f"{group.capacity} / {group.capacity}")).to_be_visible()
    expect(card.get_by_text("full")).to_be_visible()
    card.scroll_into_view_if_needed()
    screenshot(page, "admin-home-group-at-capacity")

    reviews = page.locator("#authorizations-review").get_by_role("link", name="All reviews due")
    reviews.click()
    expect(page.get_by_role("heading", name="Utilization review due")).to_be_visible()
    expect(page.get_by_text("Runs out about").first).to_be_visible()
    screenshot(page, "admin-home-utilization-reviews")
    page.go_back()

    census = page.get_by_role("link", name="active clients")
    active = int(census.inner_text().split()[0])
    census.click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    expect(page.get_by_label("Status")).to_have_value("active")
    assert page.locator("tbody tr").count() == min(active, 25)
    screenshot(page, "admin-home-active-clients")

    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Attendance rate").click()
    expect(page.get_by_role("heading", name="Attendance rate")).to_be_visible()
    expect(page.get_by_role("img", name="Attendance rate by group")).to_be_visible()
    screenshot(page, "report-attendance")

    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Length of stay and discharge reasons").click()
    expect(page.get_by_role("img", name="Discharges by reason")).to_be_visible()
    screenshot(page, "report-length-of-stay")

    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Admissions and discharges per week").click()
    expect(page.get_by_role("img", name="Admissions and discharges by week")).to_be_visible()
    screenshot(page, "report-admissions")

    page.get_by_label("From").fill("2026-12-01")
    page.get_by_label("To").fill("2026-11-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The range ends before it starts.")).to_be_visible()
    screenshot(page, "report-bad-range")
