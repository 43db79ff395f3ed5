"""Break-the-glass in the browser: a clinician with no relation to Alice cannot find her, opens her
record from the Emergency access page with a reason, and the admin sees the grant on the dashboard.
Screenshots go to var/screenshots/."""

import pytest
from playwright.sync_api import expect

from clients.models import EmergencyAccess
from iop.models import ChartRead, Role
from tests.factories import PASSWORD, UserFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

REASON = "Alice called the front desk in crisis; her clinician is away today"


def test_a_break_the_glass_read_is_recorded_and_shown_to_the_admin(
    page, browser, live_server, admin, alice
):
    stranger = UserFactory(
        username="stranger", role=Role.CLINICIAN, first_name="Sam", last_name="Stone"
    )
    log_in(page, stranger.username, PASSWORD)
    page.get_by_role("link", name="Clients", exact=True).click()
    expect(page.get_by_text("No clients match.")).to_be_visible()
    page.get_by_role("link", name="Emergency access").first.click()
    expect(page.get_by_text("Every use is reviewed.")).to_be_visible()
    page.get_by_label("MRN").fill(alice.mrn)
    page.get_by_label("Reason").fill(REASON)
    screenshot(page, "break-the-glass-request")
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_text("Emergency access open until")).to_be_visible()
    expect(page.get_by_role("heading", name="Alice Anders")).to_be_visible()
    screenshot(page, "break-the-glass-chart")

    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.client, grant.reason) == (stranger, alice, REASON)
    assert ChartRead.objects.filter(
        user=stranger, client_ids__contains=[alice.pk], what="chart"
    ).exists()

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    admin_page = context.new_page()
    log_in(admin_page, admin.username, PASSWORD)
    review = admin_page.get_by_text(REASON)
    expect(review).to_be_visible()
    expect(admin_page.get_by_role("row").filter(has_text=REASON)).to_contain_text("Sam Stone")
    screenshot(admin_page, "break-the-glass-admin-dashboard")
    admin_page.get_by_role("link", name="what they read").click()
    expect(admin_page.get_by_role("row").filter(has_text="chart")).to_have_count(1)
    screenshot(admin_page, "break-the-glass-admin-reads")
    context.close()
