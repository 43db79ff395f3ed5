"""`make bench`: how fast the pages people use daily answer, on the demo clinic.

Speed is measured here, never by timed tests. Each page is requested through Django's test client
(the whole middleware and template stack, no network) after a warm-up; the table gives the median
and 95th percentile in milliseconds and the number of SQL queries per request.
"""

import io
import statistics
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iop.models import User
from iop.second_factor import authenticator_get, mark_verified

# (demo login, URL name): the pages each role opens many times a day.
PAGES = [
    ("admin", "iop:dashboard"),
    ("admin", "clients:list"),
    ("admin", "groups:list"),
    ("admin", "scheduling:clinic-day"),
    ("admin", "scheduling:compliance-report"),
    ("admin", "iop:audit-log"),
    ("clinician1", "scheduling:today"),
    ("clinician1", "clients:caseload"),
    ("clinician1", "scheduling:clinician-week"),
    ("client1", "scheduling:my-schedule"),
    ("client1", "scheduling:my-hours"),
]
WARM_UP = 3


class Command(BaseCommand):
    help = "Time the daily pages on the demo clinic (seeded if missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")

    def handle(self, *args: Any, requests: int, **options: Any) -> None:
        call_command("seed_demo", stdout=io.StringIO())
        self.stdout.write(f"{'page':<28} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for username, url_name in PAGES:
            browser = Client(SERVER_NAME="localhost")
            user = User.objects.get(username=username)
            # The demo's staff have an authenticator (demo.people); clients are never asked.
            browser.force_login(user)
            if device := authenticator_get(user=user):
                mark_verified(browser, device)
            url = reverse(url_name)
            for _ in range(WARM_UP):
                browser.get(url)
            timings = []
            for _ in range(requests):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = browser.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{url_name} answered {response.status_code}")
            p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
            self.stdout.write(
                f"{url_name:<28} {statistics.median(timings):>10.1f} {p95:>8.1f} {len(queries):>8}"
            )
