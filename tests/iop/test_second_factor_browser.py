"""A clinician sets up two-step sign-in in Chromium, keeps the recovery codes, and signs in again
with a code; screenshots go to var/screenshots/."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app holding the secret shown on the page shows (steps ahead: the
    next code, for a second sign-in within the same 30 seconds, which must not reuse one)."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time += steps_ahead * totp.step
    return f"{totp.token():06d}"


def test_a_clinician_enrols_an_authenticator_and_signs_in_with_it(page, clinician):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    screenshot(page, "second-factor-enrol")
    page.get_by_role("textbox", name="Code").fill(
        "000000" if code_for(secret) != "000000" else "111111"
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That is not the code the app shows")).to_be_visible()
    page.get_by_role("textbox", name="Code").fill(code_for(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "second-factor-recovery-codes")
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_role("textbox", name="Code").fill(code_for(secret, steps_ahead=1))
    screenshot(page, "second-factor-verify")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    screenshot(page, "second-factor-signed-in")
