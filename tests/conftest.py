"""The named people every test can use, so tests read like sentences:
`admin`, `clinician` (Alice's and Bob's primary clinician), `second_clinician`, and the clients
`alice` and `bob` (each a Client with a portal login at `.user`)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from iop.models import Role
from tests.factories import ClientFactory, UserFactory
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, database_url_for_tests


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
    env = {**os.environ, "DATABASE_URL": database_url_for_tests()}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "iop", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start")
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        connection.close()


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


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


# Hypothesis' per-example deadline fails at random on a machine shared by parallel test runs;
# speed is measured by `make bench`, never by a timed test.
hypothesis_settings.register_profile("clinic", deadline=None)
hypothesis_settings.load_profile("clinic")
