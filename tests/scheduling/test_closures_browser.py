"""The closure journey in Chromium: a program director closes the clinic for a snow day, reads
what it will cancel, confirms, and finds the cancelled sessions on the closure calendar and on the
clinic day; the closed days on the month calendar, on a desktop and on a phone. Screenshots go to
var/screenshots/."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Group
from scheduling.services.closures import clinic_closure_create
from scheduling.services.sessions import sessions_materialize
from tests.factories import PASSWORD, EnrollmentFactory, GroupFactory, RoomFactory
from tests.helpers import log_in, open_menu, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_closes_the_clinic_for_a_snow_day_and_sees_the_cancelled_sessions(
    page, admin, clinician, alice, bob
):
    group = GroupFactory(
        name="Evening Relapse Prevention",
        weekdays=[0, 1, 2, 3, 4],
        facilitators=[clinician],
        room=RoomFactory(name="Group Room A"),
    )
    for person in (alice, bob):
        EnrollmentFactory(group=group, client=person)
    sessions_materialize(groups=Group.objects.filter(pk=group.pk))
    snow_day = timezone.localdate() + timedelta(days=7)
    while snow_day.weekday() > 4:
        snow_day += timedelta(days=1)

    log_in(page, admin.username, PASSWORD)
    open_menu(page, "Administration", "Clinic closures")
    expect(page.get_by_role("heading", name="Clinic closures")).to_be_visible()
    page.get_by_label("First day closed").fill(snow_day.isoformat())
    page.get_by_label("Reason staff see").fill("Snow day")
    page.get_by_role("button", name="Close the clinic…").click()

    question = page.get_by_role("heading", name=f"Close the clinic on {snow_day:%A, %B %-d, %Y}?")
    expect(question).to_be_visible()
    expect(page.get_by_text("Cancels 1 scheduled session on these days")).to_be_visible()
    expect(page.get_by_text("Tells the 2 clients on those sessions")).to_be_visible()
    screenshot(page, "admin-closure-confirm")
    page.get_by_role("button", name="Close the clinic", exact=True).click()

    expect(page.get_by_text("Clinic closed: Snow day. 1 session cancelled.")).to_be_visible()
    card = page.get_by_role("region", name=f"Closed {snow_day:%a, %b %-d, %Y}: Snow day")
    expect(card).to_be_visible()
    expect(card.get_by_text("1 session cancelled")).to_be_visible()
    row = card.get_by_role("row").filter(has_text="Evening Relapse Prevention")
    expect(row).to_contain_text("Group Room A")
    expect(row.get_by_role("cell").last).to_have_text("2")
    screenshot(page, "admin-closure-calendar")

    page.goto(f"/schedule/day/?day={snow_day.isoformat()}")
    expect(page.get_by_text("The clinic is closed this day: Snow day.")).to_be_visible()
    expect(page.get_by_text("Cancelled: Clinic closed: Snow day")).to_be_visible()


def test_an_admin_reads_and_changes_a_track_requirement_in_hours(page, admin, alice):
    log_in(page, admin.username, PASSWORD)
    open_menu(page, "Administration", "Program tracks")
    adult = page.get_by_role("row").filter(has_text="Adult IOP")
    expect(adult).to_contain_text("9 h")
    expect(adult).to_contain_text("19 h")
    adult.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Weekly minimum (hours)")).to_have_value("9")
    page.get_by_label("Weekly minimum (hours)").fill("8.5")
    screenshot(page, "admin-track-form")
    page.get_by_role("button", name="Save track").click()
    expect(page.get_by_role("row").filter(has_text="Adult IOP")).to_contain_text("8.5 h")
    screenshot(page, "admin-program-tracks")


def test_an_admin_reads_the_closed_days_on_a_month_calendar_and_on_a_phone(page, phone_page, admin):
    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=40)).replace(day=24)
    clinic_closure_create(first_day=first, last_day=first, label="Christmas Eve", actor=admin)
    clinic_closure_create(
        first_day=first + timedelta(days=1),
        last_day=first + timedelta(days=2),
        label="Christmas break",
        actor=admin,
    )

    log_in(page, admin.username, PASSWORD)
    page.goto(reverse("scheduling:closures"))
    month = page.get_by_role("table", name=f"{first:%B %Y}")
    expect(month.get_by_role("columnheader")).to_have_count(7)
    eve = month.get_by_role("link", name="Closed: Christmas Eve")
    expect(eve).to_be_visible()
    expect(page.locator('td[aria-current="date"]')).to_have_count(1)
    screenshot(page, "admin-closure-month-calendar")
    eve.click()
    expect(page).to_have_url(re.compile(r"#closure-\d+$"))

    page.get_by_role("link", name="Next three months").click()
    expect(page).to_have_url(re.compile(r"\?month=\d{4}-\d{2}$"))
    expect(page.get_by_role("link", name="Previous three months")).to_be_visible()

    log_in(phone_page, admin.username, PASSWORD)
    phone_page.goto(reverse("scheduling:closures"))
    expect(phone_page.get_by_role("table", name=f"{first:%B %Y}")).to_be_hidden()
    expect(phone_page.get_by_text(f"{first:%a, %b %-d}: Christmas Eve")).to_be_visible()
    screenshot(phone_page, "admin-closure-month-calendar-phone")
