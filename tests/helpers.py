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


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
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
