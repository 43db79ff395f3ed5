"""A name with no break in it (mistyped, or a family name written as one word) must not push the
pages that show it wider than the screen."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.services import enrollment_create
from scheduling.models import Session
from scheduling.services.sessions import sessions_materialize
from tests.factories import PASSWORD, ClientFactory, GroupFactory
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

LONG_NAME = "Maximiliana" + "Wolfeschlegelsteinhausenbergerdorff" * 2


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_long_unbroken_name_wraps_on_the_chart_the_list_and_the_session(
    page, phone_page, clinician
):
    client = ClientFactory(
        legal_first_name="Ann",
        legal_last_name=LONG_NAME,
        primary_clinician=clinician,
        user__username="ann",
    )
    group = GroupFactory(name="Morning Skills", facilitators=[clinician])
    enrollment_create(group=group, client=client, start_date=timezone.localdate())
    sessions_materialize()
    session = Session.objects.filter(group=group).earliest("starts_at")
    log_in(page, clinician.username, PASSWORD)
    for path in (
        f"/clients/{client.pk}/",
        "/clients/",
        f"/schedule/sessions/{session.pk}/",
        "/schedule/today/",
    ):
        page.goto(path)
        expect(page.get_by_text(LONG_NAME).first).to_be_visible()
        assert fits(page), path
    page.goto(f"/clients/{client.pk}/")
    expect(page.get_by_role("heading", name="Hours this week")).to_be_visible()
    screenshot(page, "long-name-chart")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/clients/{client.pk}/")
    assert fits(page)
    log_in(phone_page, "ann", PASSWORD)
    assert fits(phone_page)
    screenshot(phone_page, "long-name-client-phone")
