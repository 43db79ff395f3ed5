"""A clinician books a fortnightly video series for Alice, sees every clashing date named, books
it at another time, then moves the rest of it; Alice sees the join link on her phone. A weekly
series over Christmas skips the closed days and names them.
Screenshots go to var/screenshots/."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from iop.clock import local_datetime
from scheduling.models import Session, SessionType
from scheduling.services.closures import clinic_closure_create
from scheduling.services.sessions import session_schedule
from tests.factories import PASSWORD, ClientFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

LINK = "https://video.example.org/j/alice-therapy"


@pytest.fixture
def dana(clinician):
    """Admitted the Monday before last, for twelve weeks (until Sunday, Feb 14)."""
    with time_machine.travel(
        datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("America/New_York")), tick=True
    ):
        yield ClientFactory(
            legal_first_name="Dana", legal_last_name="Diaz", primary_clinician=clinician,
            admission_date=datetime(2026, 11, 23).date(), user__username="dana",
        )  # fmt: skip


def test_a_clinician_books_and_moves_a_series_and_the_client_joins_by_video(
    page, phone_page, clinician, dana, bob
):
    with time_machine.travel(
        datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("America/New_York")), tick=True
    ):
        first = datetime(2026, 12, 3).date()
        session_schedule(
            session_type=SessionType.INDIVIDUAL, client=bob, clinician=clinician,
            starts_at=local_datetime(first + timedelta(weeks=6), time(10)), duration_minutes=50,
            is_telehealth=True,
        )  # fmt: skip
        log_in(page, clinician.username, PASSWORD)
        page.goto(reverse("scheduling:session-new"))
        page.get_by_label("Client").select_option(label=f"{dana.display_name} ({dana.mrn})")
        page.get_by_label("Type").select_option("individual")
        page.get_by_label("Date").fill(str(first))
        page.get_by_label("Start (local time)").fill("10:00")
        page.get_by_label("Telehealth").check()
        page.get_by_label("Video join link").fill(LINK)
        page.get_by_label("Repeats").select_option(label="Every two weeks")
        page.get_by_label("Until").fill("2027-02-14")
        page.get_by_role("button", name="Schedule").click()
        expect(page.get_by_text(f"Thu Jan 14, 10:00 AM: {clinician}")).to_be_visible()
        screenshot(page, "clinician-series-clash")
        assert not Session.objects.filter(client=dana).exists()

        page.get_by_label("Start (local time)").fill("11:00")
        page.get_by_role("button", name="Schedule").click()
        expect(page.get_by_text("6 sessions scheduled")).to_be_visible()
        third = Session.objects.filter(client=dana).order_by("starts_at")[2]
        page.goto(reverse("scheduling:session-detail", args=[third.pk]))
        expect(page.get_by_text("every two weeks until Sun Feb 14, 2027")).to_be_visible()
        screenshot(page, "clinician-series-session")
        page.get_by_role("link", name="Move the rest").click()
        page.get_by_label("From (the new date of the first session moved)").fill("2027-01-01")
        page.get_by_label("New start (local time)").fill("14:00")
        page.get_by_label("Reason").fill("New work hours")
        page.get_by_role("button", name="Move the rest of the series").click()
        expect(page.get_by_text("4 sessions of the series moved")).to_be_visible()
        screenshot(page, "clinician-series-moved")

        log_in(phone_page, dana.user.username, PASSWORD)
        phone_page.goto(reverse("scheduling:my-schedule"))
        join = phone_page.get_by_role("link", name="Join by video at 11:00 AM")
        expect(join).to_be_visible()
        assert join.get_attribute("href") == LINK
        screenshot(phone_page, "client-schedule-video-link-phone")


def test_a_weekly_series_over_christmas_skips_the_closed_days_and_says_so(
    page, admin, clinician, dana
):
    with time_machine.travel(
        datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("America/New_York")), tick=True
    ):
        for day, label in ((date(2026, 12, 24), "Christmas Eve"), (date(2026, 12, 31), "New Year")):
            clinic_closure_create(first_day=day, last_day=day, label=label, actor=admin)
        log_in(page, clinician.username, PASSWORD)
        page.goto(reverse("scheduling:session-new"))
        page.get_by_label("Client").select_option(label=f"{dana.display_name} ({dana.mrn})")
        page.get_by_label("Type").select_option("individual")
        page.get_by_label("Date").fill("2026-12-03")
        page.get_by_label("Start (local time)").fill("10:00")
        page.get_by_label("Telehealth").check()
        page.get_by_label("Repeats").select_option(label="Weekly")
        page.get_by_label("Until").fill("2027-01-14")
        page.get_by_role("button", name="Schedule").click()
        expect(page.get_by_text("5 sessions scheduled")).to_be_visible()
        expect(
            page.get_by_text(
                "Dec 24, 2026 skipped: clinic closed (Christmas Eve). "
                "Dec 31, 2026 skipped: clinic closed (New Year)."
            )
        ).to_be_visible()
        screenshot(page, "clinician-series-closed-days-skipped")
