"""A program director's look at a client's authorizations in Chromium: the chart's burn-down of
an authorization running out before its last day, then recording the renewal with a mistake
first. Screenshots go to var/screenshots/."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Authorization
from iop.clock import local_datetime
from scheduling.services.authorizations import utilization_reviews_update
from tests.factories import (
    PASSWORD,
    AttendanceFactory,
    AuthorizationFactory,
    ClientFactory,
    GroupFactory,
    PayerFactory,
    SessionFactory,
)
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()


@pytest.fixture
def maria(clinician):
    """Admitted five weeks ago, attending three days a week; 17 units for eight weeks, so about
    two are left: utilization review is due."""
    client = ClientFactory(
        legal_first_name="Maria", legal_last_name="Lopez", primary_clinician=clinician,
        admission_date=TODAY - timedelta(weeks=5),
    )  # fmt: skip
    payer = PayerFactory(name="Keystone Health Plan")
    AuthorizationFactory(
        client=client, payer=payer, number="KH-204816", units_authorized=17,
        first_day=client.admission_date, last_day=client.admission_date + timedelta(weeks=8, days=-1),
    )  # fmt: skip
    group = GroupFactory(facilitators=[clinician])
    day = client.admission_date
    while day < TODAY:
        if day.weekday() in (0, 2, 4):
            start = local_datetime(day, time(9, 0))
            session = SessionFactory(
                group=group, starts_at=start, ends_at=start + timedelta(hours=3)
            )
            AttendanceFactory(session=session, client=client)
        day += timedelta(days=1)
    utilization_reviews_update()  # the daily job opens the review Today lists
    return client


def test_the_burn_down_shows_units_running_out_and_today_lists_the_review(page, clinician, maria):
    log_in(page, clinician.username, PASSWORD)
    page.goto(f"/clients/{maria.pk}/")
    panel = page.locator("#chart-authorizations")
    expect(panel.get_by_role("heading", name="Payer authorizations")).to_be_visible()
    expect(panel.get_by_text("Keystone Health Plan · H0015 · #KH-204816")).to_be_visible()
    expect(panel.get_by_role("img", name="Units left of authorization KH-204816")).to_be_visible()
    expect(panel.get_by_text("projected to run out about")).to_be_visible()
    expect(panel.get_by_text("Utilization review due: Runs out about")).to_be_visible()
    panel.scroll_into_view_if_needed()
    screenshot(page, "authorization-burn-down")
    panel.screenshot(path="var/screenshots/authorization-burn-down-panel.png")

    panel.get_by_role("link", name="Record an authorization").click()
    page.get_by_label("Payer").select_option(label="Keystone Health Plan")
    page.get_by_label("Authorization number").fill("KH-204817")
    page.get_by_label("Service code").select_option("H0015")
    page.get_by_label("Units authorized").fill("12")
    page.get_by_label("First day").fill((TODAY + timedelta(days=3)).isoformat())
    page.get_by_label("Last day (inclusive)").fill((TODAY + timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Overlaps authorization KH-204816")).to_be_visible()
    screenshot(page, "authorization-overlap-refused")
    assert Authorization.objects.count() == 1

    page.goto(reverse("scheduling:today"))
    review = page.locator("#authorizations-review")
    expect(review.get_by_role("link", name="Maria Lopez")).to_be_visible()
    expect(review.get_by_text("Runs out about")).to_be_visible()
    review.screenshot(path="var/screenshots/authorization-review-today.png")
