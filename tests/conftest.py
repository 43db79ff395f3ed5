"""The named people every test can use, so tests read like sentences:
`admin`, `clinician` (Alice's and Bob's primary clinician), `second_clinician`, and the clients
`alice` and `bob` (each a Client with a portal login at `.user`)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from iop.clock import day_bounds
from iop.models import Role
from tests.factories import ClientFactory, UserFactory
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, StaffVerifiedClient, start_celery_worker

# Each example runs against Postgres on a shared 2-core machine: time per example varies too much
# for Hypothesis' deadline to mean anything. Speed is measured by `make bench`.
hypothesis_settings.register_profile("iop", deadline=None, max_examples=50)
hypothesis_settings.load_profile("iop")


@pytest.fixture
def client():
    return StaffVerifiedClient()


@pytest.fixture
def unverified_client():
    """Django's own test client: its staff give their second factor as people do."""
    return Client()


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", role=Role.ADMIN)


@pytest.fixture
def clinician(db):
    return UserFactory(username="clinician", role=Role.CLINICIAN)


@pytest.fixture
def second_clinician(db):
    return UserFactory(username="second_clinician", role=Role.CLINICIAN)


@pytest.fixture
def alice(clinician):
    return ClientFactory(
        legal_first_name="Alice",
        legal_last_name="Anders",
        primary_clinician=clinician,
        user__username="alice",
    )


@pytest.fixture
def bob(clinician):
    return ClientFactory(
        legal_first_name="Bob",
        legal_last_name="Brown",
        primary_clinician=clinician,
        user__username="bob",
    )


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker (a separate process) on the real Redis broker and the test database."""
    from iop.celery import app

    app.control.purge()
    worker = start_celery_worker()
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        connection.close()


@pytest.fixture
def hours_into_the_clinic_day():
    """For tests that make a session "an hour ago" and expect it today: shortly after midnight in
    the clinic's zone that is yesterday, so move the clock forward (never back: a browser's session
    cookie would already have expired) to 03:00 clinic time, and let it run from there."""
    three_am = day_bounds(timezone.localdate())[0] + timedelta(hours=3)
    if timezone.now() >= three_am:
        yield
        return
    with time_machine.travel(three_am, tick=True):
        yield


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls a test makes beside
    # it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()


def browser_page(browser, live_server, **context_options):
    context = browser.new_context(base_url=live_server.url, **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Anything the Content-Security-Policy blocks is a broken page: the journey must not hit one.
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert not refused, f"the Content-Security-Policy refused: {refused}"


@pytest.fixture
def page(browser, live_server):
    yield from browser_page(browser, live_server, viewport={"width": 1280, "height": 860})


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page, as clients use the portal."""
    yield from browser_page(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True
    )
