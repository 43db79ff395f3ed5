"""Each role logs in through the real login page in Chromium; screenshots go to var/screenshots/."""

import pytest
from playwright.sync_api import expect

from clients.views import PAGE_SIZE as CLIENT_PAGE_SIZE
from tests.factories import PASSWORD, ClientFactory, EnrollmentFactory, GroupFactory
from tests.helpers import log_in, open_menu, screenshot

pytestmark = pytest.mark.browser


def test_admin_logs_in_to_the_dashboard_and_opens_the_audit_log(page, admin):
    page.goto("/")
    screenshot(page, "login")
    log_in(page, admin.username, PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    screenshot(page, "admin-dashboard")
    page.get_by_role("link", name="Audit log").first.click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    screenshot(page, "admin-audit-log")


def test_admin_adds_a_clinician_from_the_staff_page(page, admin):
    log_in(page, admin.username, PASSWORD)
    open_menu(page, "Administration", "Staff")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Diaz")
    page.get_by_label("Email address").fill("dana@example.org")
    page.get_by_label("Username").fill("ddiaz")
    page.get_by_label("Role").select_option("clinician")
    page.get_by_role("button", name="Add and send the link").click()
    expect(page.get_by_text("Dana Diaz can now set a password")).to_be_visible()
    expect(page.get_by_role("cell", name="ddiaz")).to_be_visible()
    screenshot(page, "admin-staff")


def test_admin_opens_the_group_catalogue_and_a_groups_roster(page, admin, clinician, alice):
    group = GroupFactory(name="Evening Relapse Prevention", capacity=10)
    group.facilitators.set([clinician])
    EnrollmentFactory(group=group, client=alice)
    GroupFactory(name="Saturday Family", is_open=False, weekdays=[5])
    log_in(page, admin.username, PASSWORD)
    page.get_by_role("link", name="Groups", exact=True).click()
    expect(page.get_by_role("heading", name="Groups")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=group.name)
    expect(row).to_contain_text("Mon, Wed, Thu 6:00 PM, 180 min")
    expect(row).to_contain_text(str(clinician))
    expect(row).to_contain_text("1 / 10")
    expect(page.get_by_role("row").filter(has_text="Saturday Family")).to_contain_text("closed")
    screenshot(page, "admin-groups")
    page.get_by_role("link", name=group.name).click()
    expect(page.get_by_role("heading", name=group.name)).to_be_visible()
    expect(page.get_by_text("Mon, Wed, Thu 6:00 PM, 180 min")).to_be_visible()


def test_clinician_logs_in_to_the_caseload_and_opens_a_chart(page, clinician, alice):
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name="My caseload").click()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    screenshot(page, "clinician-caseload")
    page.get_by_role("link", name=alice.display_name).click()
    expect(page.get_by_role("heading", name=alice.display_name)).to_be_visible()
    # htmx brings in the scheduling panel: next two weeks, hours, recent notes.
    page.locator("#chart-activity").wait_for()
    expect(page.get_by_role("heading", name="Hours this week")).to_be_visible()
    expect(page.get_by_role("heading", name="Next two weeks")).to_be_visible()
    screenshot(page, "clinician-chart")


def test_clinician_pages_through_the_clients_in_their_care(page, clinician, alice):
    ClientFactory.create_batch(CLIENT_PAGE_SIZE, primary_clinician=clinician)
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name="Clients").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(CLIENT_PAGE_SIZE + 1)  # and the header
    screenshot(page, "clinician-client-list")
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(2)


def test_client_logs_in_on_a_phone_and_sees_their_program(phone_page, alice):
    log_in(phone_page, alice.user.username, PASSWORD)
    phone_page.get_by_role("button", name="Menu").click()
    phone_page.get_by_role("link", name="My program").click()
    expect(phone_page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    expect(phone_page.get_by_text("at least 9 hours")).to_be_visible()
    screenshot(phone_page, "client-portal-phone")


def test_a_wrong_password_shows_an_error_and_keeps_the_person_out(page, clinician):
    log_in(page, clinician.username, "not the password")
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    assert page.url.endswith("/accounts/login/")
