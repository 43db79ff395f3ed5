"""Helpers shared by tests: the test database's URL for child processes, browser steps."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from iop.models import User
from iop.second_factor import AUTHENTICATOR_NAME, authenticator_get, mark_verified

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialing out of this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def database_url_for_tests() -> str:
    """The URL of the database this test run uses, for processes started by a test."""
    settings = connection.settings_dict
    # A unix-socket URL (`?host=/path`) arrives as OPTIONS["host"], a TCP one as HOST.
    host = settings["HOST"] or settings["OPTIONS"].get("host", "")
    port = settings["PORT"]
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgres://{auth}@/{settings['NAME']}?host={host}"
    return f"postgres://{auth}@{host}:{port or 5432}/{settings['NAME']}"


@contextmanager
def undone() -> Iterator[None]:
    """Run the block in a savepoint that is rolled back at its end, so that each Hypothesis example
    starts again from the fixtures' rows: clinical rows cannot be deleted, not even by a test."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# The query every staff request adds: django-otp loading the device that verified the session.
SECOND_FACTOR_QUERIES = 1


def authenticator(user: User) -> TOTPDevice:
    """The user's authenticator app, enrolled now if they have none."""
    return authenticator_get(user=user) or TOTPDevice.objects.create(
        user=user, name=AUTHENTICATOR_NAME, confirmed=True
    )


def totp_code(device: TOTPDevice) -> str:
    """The code the device's app shows now; or, when that one was used already (a second login
    within the same 30 seconds, which django-otp refuses), the next one, which it accepts too."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = max(time.time(), device.t0 + (device.last_t + 1) * device.step)
    return f"{totp.token():0{device.digits}d}"


class StaffVerifiedClient(Client):
    """Django's test client, whose `force_login` of a staff member also gives this session their
    second factor (enrolling an authenticator if they have none), as if they had entered its code:
    tests of anything else start past the login. The second factor's own tests take Django's plain
    client (the `unverified_client` fixture)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if user.is_clinic_staff:
            mark_verified(self, authenticator(user))


def log_in(page, username: str, password: str) -> None:
    """Log in through the pages; staff then enter their authenticator's code (enrolled now if
    they have none)."""
    user = User.objects.filter(username=username).first()
    if user and user.is_clinic_staff:
        authenticator(user)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    if user and "/accounts/second-factor/" in page.url:
        page.get_by_label("Code").fill(totp_code(authenticator(user)))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("networkidle")


def wait_for(condition, timeout: float = 30, interval: float = 0.2) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass; for work done by other processes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def start_celery_worker(extra_env: dict[str, str] | None = None, name: str = "worker"):
    """Start a real Celery worker process on the test database and the real broker; returns once
    it answers a ping. The caller stops it (terminate, or SIGKILL to simulate a crash)."""
    from iop.celery import app  # the Celery app loads settings: import it when needed

    env = {**os.environ, "DATABASE_URL": database_url_for_tests(), **(extra_env or {})}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "iop", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(
        reply_from.startswith(f"{name}@")
        for reply in app.control.ping(timeout=0.5)
        for reply_from in reply
    ):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail("the Celery worker did not start")
    return worker


def open_menu(page, menu: str, item: str) -> None:
    """Click `item` in the navigation dropdown `menu`."""
    page.get_by_role("button", name=menu).click()
    page.get_by_role("link", name=item, exact=True).click()
