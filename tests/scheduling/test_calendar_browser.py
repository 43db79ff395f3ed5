"""The roster journey in Chromium: an admin creates a group with a weekly pattern and enrolls three
clients; a client sees the sessions on a phone. Screenshots go to var/screenshots/."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from iop.clock import local_datetime, local_midnight, week_start_of
from scheduling.models import SessionType
from scheduling.services.sessions import session_schedule, sessions_materialize
from tests.factories import (
    PASSWORD,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    RoomFactory,
)
from tests.helpers import log_in, open_menu, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_builds_a_group_and_a_client_sees_it_on_a_phone(
    page, phone_page, admin, clinician, alice, bob
):
    carmen = ClientFactory(legal_first_name="Carmen", legal_last_name="Cruz")
    RoomFactory(name="Group Room A", capacity=12)
    log_in(page, admin.username, PASSWORD)
    page.get_by_role("link", name="Groups", exact=True).click()
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
    expect(page.get_by_role("heading", name="Evening Relapse Prevention")).to_be_visible()

    for person in (alice, bob, carmen):
        search = page.get_by_role("searchbox")
        search.fill(person.legal_first_name)
        search.press("Enter")
        page.get_by_role("button", name=f"Add {person.display_name}").click()
        expect(page.get_by_text(f"{person.display_name} enrolled.")).to_be_visible()
    expect(page.get_by_text("3 of 10 places taken")).to_be_visible()
    expect(page.get_by_text("of 9 hours planned, 3 of 3 days").first).to_be_visible()
    screenshot(page, "admin-roster")

    log_in(phone_page, alice.user.username, PASSWORD)
    expect(phone_page.get_by_role("heading", name="My schedule")).to_be_visible()
    expect(phone_page.get_by_text("Evening Relapse Prevention").first).to_be_visible()
    expect(phone_page.get_by_text("Bring: Relapse prevention workbook").first).to_be_visible()
    # A 390-pixel screen: the page must not scroll sideways.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "client-schedule-phone")


def test_a_clinician_sees_their_week_and_an_admin_the_clinic_day(page, admin, clinician, alice):
    group = GroupFactory(name="Evening Relapse Prevention", facilitators=[clinician])
    # The whole week's sessions, enrolled since Monday: from now on alone, a Thursday evening or a
    # weekend leaves no session of this week for the clinician to see.
    monday = week_start_of(timezone.localdate())
    EnrollmentFactory(group=group, client=alice, start_date=monday)
    sessions_materialize(now=local_midnight(monday))
    session_schedule(
        session_type=SessionType.INDIVIDUAL,
        client=alice,
        clinician=clinician,
        starts_at=local_datetime(timezone.localdate() + timedelta(days=1), time(13)),
        duration_minutes=50,
        is_telehealth=True,
    )
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name="My week").click()
    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_text("1 enrolled").first).to_be_visible()
    screenshot(page, "clinician-week")
    page.get_by_role("button", name="Log out").click()

    log_in(page, admin.username, PASSWORD)
    open_menu(page, "Calendars", "Clinic day")
    expect(page.get_by_role("heading", name="Clinic day")).to_be_visible()
    screenshot(page, "admin-clinic-day")


def test_the_front_desk_reads_a_busy_day_a_page_at_a_time_and_narrows_it(
    page, admin, clinician, second_clinician, alice
):
    # Tomorrow, every group meeting then: today's early sessions may already have passed, and the
    # calendar only puts sessions on it from now on.
    day = timezone.localdate() + timedelta(days=1)
    room = RoomFactory(name="Group Room B", location="2nd floor")
    for number in range(44):
        GroupFactory(
            name=f"Skills {number + 1:02}",
            room=room if number % 2 else RoomFactory(name=f"Room {number + 1}"),
            facilitators=[clinician if number % 3 else second_clinician],
            start_time=time(8 + number % 12, 0),
            duration_minutes=50,
            weekdays=list(range(7)),
        )
    sessions_materialize()
    session_schedule(
        session_type=SessionType.INDIVIDUAL,
        client=alice,
        clinician=clinician,
        starts_at=local_datetime(day, time(20, 0)),
        duration_minutes=50,
        is_telehealth=True,
    )
    log_in(page, admin.username, PASSWORD)
    open_menu(page, "Calendars", "Clinic day")
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_role("status").filter(has_text="45 sessions")).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    screenshot(page, "admin-clinic-day-busy")
    page.get_by_label("Clinician").select_option(label=str(clinician))
    page.get_by_label("Sessions", exact=True).select_option(label="Individual sessions")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("status").filter(has_text="1 session matching")).to_be_visible()
    expect(page.get_by_text("Individual therapy: Alice")).to_be_visible()
    screenshot(page, "admin-clinic-day-filtered")
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_role("heading", name="Clinic day")).to_contain_text(
        f"{day + timedelta(days=1):%B %-d}"
    )
    expect(page.get_by_label("Sessions", exact=True)).to_have_value("individual")
