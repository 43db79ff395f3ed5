"""Weekly hours and reminders in Chromium for each role; screenshots go to var/screenshots/."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from iop.clock import local_datetime, week_start_of
from scheduling.models import ComplianceAlert
from scheduling.services.compliance import compliance_recompute_week, week_close
from tests.factories import (
    PASSWORD,
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    SessionFactory,
)
from tests.helpers import log_in, open_menu, screenshot

pytestmark = pytest.mark.browser


def _admitted_six_weeks_ago(clinician, first_name, last_name, username):
    """A client in the program for the whole history below (the factory's admission date, 7 to 30
    days ago at random, left too few short weeks in a row for an escalation in some runs)."""
    return ClientFactory(
        legal_first_name=first_name,
        legal_last_name=last_name,
        primary_clinician=clinician,
        user__username=username,
        admission_date=week_start_of(timezone.localdate()) - timedelta(weeks=6),
    )


@pytest.fixture
def alice(clinician):
    return _admitted_six_weeks_ago(clinician, "Alice", "Anders", "alice")


@pytest.fixture
def bob(clinician):
    return _admitted_six_weeks_ago(clinician, "Bob", "Brown", "bob")


@pytest.fixture
def weeks_of_hours(alice, bob):
    """Alice attends most sessions of the last weeks, Bob about half."""
    group = GroupFactory(name="Evening Relapse Prevention")
    this_week = week_start_of(timezone.localdate())
    for client in (alice, bob):
        EnrollmentFactory(group=group, client=client, start_date=this_week - timedelta(weeks=6))
    for weeks_ago in range(5, -1, -1):
        monday = this_week - timedelta(weeks=weeks_ago)
        for offset in (0, 2, 3):
            session = SessionFactory(
                group=group, starts_at=local_datetime(monday + timedelta(days=offset), time(18))
            )
            if session.ends_at < timezone.now():
                AttendanceFactory(session=session, client=alice)
                AttendanceFactory(
                    session=session, client=bob, status="present" if offset == 0 else "absent"
                )
        if weeks_ago:
            week_close(now=local_datetime(monday + timedelta(days=7), time(2)))
    compliance_recompute_week(week_start=this_week)


def test_admin_reads_the_weekly_report_and_the_reminder_settings(page, admin, weeks_of_hours):
    ClientFactory(user=None)
    log_in(page, admin.username, PASSWORD)
    open_menu(page, "Compliance", "Weekly hours")
    expect(page.get_by_role("heading", name="Weekly hours")).to_be_visible()
    page.get_by_role("link", name="← Previous week").click()
    expect(page.locator(".badge", has_text="Short").first).to_be_visible()
    screenshot(page, "admin-weekly-hours")
    open_menu(page, "Compliance", "Hours alerts")
    page.get_by_label("Level").select_option("level_of_care_review")
    # Read the list only once the filtered page has loaded (all_inner_texts does not wait).
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.locator(".list-group-item .badge").first).to_have_text(
        "Two short weeks: level-of-care review"
    )
    escalations = page.locator(".list-group-item").all_inner_texts()
    assert escalations, page.locator("main").inner_text()
    assert all("Second short week in a row" in text for text in escalations)
    page.get_by_label("Status").select_option("all")
    page.get_by_label("Level").select_option("")
    page.get_by_role("button", name="Show").click()
    screenshot(page, "admin-hours-alerts")
    open_menu(page, "Administration", "Reminder times")
    page.get_by_label("First reminder, minutes before the session").fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("at most 7 days").first).to_be_visible()
    screenshot(page, "admin-reminder-settings")


def test_clinician_resolves_a_short_week_from_the_alerts(page, clinician, bob, weeks_of_hours):
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name="Hours alerts").click()
    expect(page.get_by_text(bob.display_name).first).to_be_visible()
    screenshot(page, "clinician-hours-alerts")
    page.get_by_role("link", name="Resolve").first.click()
    page.get_by_label("Reason").select_option("transportation")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Write the plan").first).to_be_visible()
    page.get_by_label("Plan").fill("Bus pass from case management; check in Monday.")
    screenshot(page, "clinician-resolve-alert")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("resolved").first).to_be_visible()
    assert ComplianceAlert.objects.filter(resolved_by=clinician).count() == 1


def test_client_sees_their_hours_and_sets_reminders_on_a_phone(phone_page, alice, weeks_of_hours):
    alice.phone = "+15555550123"
    alice.save(
        update_fields=["phone"]
    )  # the test's own set-up: the clients app has no edit service yet
    log_in(phone_page, alice.user.username, PASSWORD)
    phone_page.get_by_role("button", name="Menu").click()
    phone_page.get_by_role("link", name="My hours").click()
    expect(phone_page.get_by_role("heading", name="Hours this week")).to_be_visible()
    expect(
        phone_page.get_by_role("img", name="Hours attended in each of the last 12 weeks")
    ).to_be_visible()
    screenshot(phone_page, "client-my-hours-phone")
    phone_page.get_by_role("button", name="Menu").click()
    phone_page.get_by_role("link", name="Reminders").click()
    phone_page.get_by_label("Text me appointment reminders").check()
    phone_page.get_by_label("No texts from").fill("21:00")
    phone_page.get_by_label("until").fill("08:00")
    phone_page.get_by_role("button", name="Save").click()
    expect(phone_page.get_by_text("Your reminder settings are saved.")).to_be_visible()
    screenshot(phone_page, "client-reminders-phone")
