"""`make run`: migrate, seed the demo clinic, then run web + Celery worker + Celery beat together.

The web server listens on HOST:PORT from the environment (default 127.0.0.1:8000). Ctrl-C (or
SIGTERM) stops all three; `iop.embedded`, which runs this command, then stops the embedded Redis
and PostgreSQL.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from types import FrameType
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Addresses that mean "every interface": links in e-mails still need one a browser can open.
WILDCARD_HOSTS = {"0.0.0.0", "::"}  # nosec B104  # recognised here, never chosen by default

PROCESSES = {
    "worker": [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "iop",
        "worker",
        "--loglevel=INFO",
        "--concurrency=2",
    ],
    "beat": [sys.executable, "-m", "celery", "-A", "iop", "beat", "--loglevel=INFO"],
}


def web_address(environ: Mapping[str, str]) -> tuple[str, int]:
    """The host and port `make run` serves on: HOST and PORT, else 127.0.0.1:8000."""
    host = environ.get("HOST") or DEFAULT_HOST
    port = environ.get("PORT") or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"PORT must be a port number from 1 to 65535, not {port!r}.")
    return host, int(port)


def _address(host: str, port: int) -> str:
    # runserver and URLs take an IPv6 address in brackets.
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def web_url(host: str, port: int) -> str:
    return "http://" + _address(DEFAULT_HOST if host in WILDCARD_HOSTS else host, port)


def web_command(host: str, port: int) -> list[str]:
    return [sys.executable, "manage.py", "runserver", _address(host, port)]


def seed_demo() -> None:
    """Seed the demo clinic, which lives in the `demo` app: installed only when DEMO is on."""
    if not apps.is_installed("demo"):
        raise CommandError(
            "The demo clinic needs DEMO=1 in .env (DEBUG=1 turns it on) and the development "
            "requirements (`make install`); or run `manage.py rundev --no-seed`."
        )
    call_command("seed_demo")


class Command(BaseCommand):
    help = "Run the whole system for development (web, worker, beat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-seed", action="store_true", help="Skip the demo clinic.")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = web_address(os.environ)
        url = web_url(host, port)
        # Links in e-mails (password set-up, reminders) point at the address being served, unless
        # SITE_URL is set (settings have already put .env's values into os.environ).
        env = {"SITE_URL": url, **os.environ}
        call_command("migrate", interactive=False, verbosity=1)
        if not options["no_seed"]:
            seed_demo()
        commands = {"web": web_command(host, port), **PROCESSES}
        self.stdout.write(self.style.SUCCESS(f"Serving on {url} (Ctrl-C stops)"))
        children = {name: subprocess.Popen(command, env=env) for name, command in commands.items()}
        stopping = False

        def stop(_signum: int, _frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                exited = [name for name, child in children.items() if child.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} exited; stopping the others.")
                    break
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
