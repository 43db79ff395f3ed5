"""A client completes a PHQ-9 on a phone and reports thoughts of self-harm; the clinician sees
the urgent alert on Today, documents the follow-up, and opens the trend chart. Screenshots go to
var/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import CheckIn, ClinicalAlert
from clients.services.measures import checkin_submit
from tests.factories import PASSWORD, check_in_open
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

# Alice's answers: some depression, and "Several days" on item 9.
ANSWERS = {
    "1": "Several days",
    "2": "More than half the days",
    "3": "More than half the days",
    "4": "Nearly every day",
    "5": "Several days",
    "6": "More than half the days",
    "7": "Several days",
    "8": "Not at all",
    "9": "Several days",
}


def test_a_phq_9_on_a_phone_raises_the_urgent_alert_the_clinician_follows_up(
    page, phone_page, clinician, alice
):
    # Her baseline at admission and a check-in halfway to today, for the trend. (Not a fixed
    # two weeks later: admitted 14 days ago, that one was due today, the day of the one below.)
    admitted = alice.admission_date
    halfway = admitted + timedelta(days=(timezone.localdate() - admitted).days // 2)
    for due_on in (admitted, halfway):
        earlier = check_in_open(alice, due_on=due_on)
        checkin_submit(
            check_in=earlier,
            actor=alice.user,
            answers={str(n): 2 for n in range(1, 9)} | {"9": 0},
            completed_on=due_on,
        )
    due = check_in_open(alice)

    log_in(phone_page, "alice", PASSWORD)
    phone_page.get_by_role("link", name="Start check-in 1").click()
    expect(phone_page.get_by_text("0 of 9 answered")).to_be_visible()
    for key, answer in list(ANSWERS.items())[:4]:
        phone_page.locator(f"#question-{key}").get_by_text(answer, exact=True).click()
    expect(phone_page.get_by_text("4 of 9 answered")).to_be_visible()
    expect(phone_page.get_by_text("Saved", exact=True)).to_be_visible()
    screenshot(phone_page, "client-checkin-phone-progress")
    assert CheckIn.objects.get(pk=due.pk).answers == {"1": 1, "2": 2, "3": 2, "4": 3}

    phone_page.reload()  # saved as she went: the answers are still there
    expect(phone_page.get_by_text("4 of 9 answered")).to_be_visible()
    for key, answer in list(ANSWERS.items())[4:]:
        phone_page.locator(f"#question-{key}").get_by_text(answer, exact=True).click()
    expect(phone_page.get_by_text("9 of 9 answered")).to_be_visible()
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(
        phone_page.get_by_role("link", name="Call 988 (Suicide & Crisis Lifeline)")
    ).to_be_visible()
    screenshot(phone_page, "client-checkin-phone-crisis-resources")

    alert = ClinicalAlert.objects.get()
    assert alert.urgent

    log_in(page, clinician.username, PASSWORD)
    expect(page.get_by_text("Thoughts of self-harm reported")).to_be_visible()
    screenshot(page, "clinician-today-urgent-alert")
    page.get_by_role("link", name="Document follow-up").click()
    page.get_by_label("What was done").fill(
        "Called Alice within the hour; no plan or intent; safety plan reviewed, sees me tomorrow."
    )
    page.get_by_role("button", name="Document follow-up").click()
    page.goto(f"/clients/{alice.pk}/")
    expect(page.get_by_text("Needs follow-up")).to_have_count(0)
    expect(page.get_by_text("PHQ-9 · Depression")).to_be_visible()
    page.locator("#trend-phq-9-total-caption").scroll_into_view_if_needed()
    screenshot(page, "clinician-chart-phq-9-trend")
    page.get_by_text("Scores as a table").first.click()
    expect(page.get_by_role("cell", name="baseline")).to_be_visible()
    alert.refresh_from_db()
    assert alert.followed_up_by == clinician
