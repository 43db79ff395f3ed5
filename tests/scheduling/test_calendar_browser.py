"""The roster journey in Chromium: an admin creates a group with a weekly pattern and enrolls three
clients; a client sees the sessions on a phone. Screenshots go to var/screenshots/."""

import pytest

from tests.factories import PASSWORD, ClientFactory, RoomFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_builds_a_group_and_a_client_sees_it_on_a_phone(
    page, phone_page, admin, clinician, alice, bob
):
    carmen = ClientFactory(legal_first_name="Carmen", legal_last_name="Cruz")
    RoomFactory(name="Group Room A", capacity=12)
    log_in(page, admin.username, PASSWORD)
    page.get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="New group").click()
    page.get_by_label("Name").fill("Evening Relapse Prevention")
    page.get_by_label("Type").select_option(label="Relapse prevention")
    page.get_by_label("Track").select_option(label="Adult IOP")
    page.get_by_label(str(clinician)).check()
    page.get_by_label("Room").select_option(label="Group Room A")
    page.get_by_label("Capacity").fill("10")
    for day in ("Mon", "Wed", "Thu"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Start (local time)").fill("18:00")
    page.get_by_label("Length in minutes").fill("180")
    page.get_by_label("What to bring").fill("Relapse prevention workbook")
    screenshot(page, "admin-group-form")
    page.get_by_role("button", name="Save group").click()
    assert page.get_by_role("heading", name="Evening Relapse Prevention").is_visible()

    for person in (alice, bob, carmen):
        search = page.get_by_role("searchbox")
        search.fill(person.legal_first_name)
        search.press("Enter")
        page.get_by_role("button", name=f"Add {person.display_name}").click()
        assert page.get_by_text(f"{person.display_name} enrolled.").is_visible()
    assert page.get_by_text("3 of 10 places taken").is_visible()
    assert page.get_by_text("of 9 hours planned, 3 of 3 days").first.is_visible()
    screenshot(page, "admin-roster")

    log_in(phone_page, alice.user.username, PASSWORD)
    assert phone_page.get_by_role("heading", name="My schedule").is_visible()
    assert phone_page.get_by_text("Evening Relapse Prevention").first.is_visible()
    assert phone_page.get_by_text("Bring: Relapse prevention workbook").first.is_visible()
    # A 390-pixel screen: the page must not scroll sideways.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "client-schedule-phone")
