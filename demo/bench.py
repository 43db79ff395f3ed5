"""What `make bench` measures on one database holding the synthetic clinic (`demo.synthetic`).

Pages go through Django's test client (the whole middleware and template stack, no network) after
a warm-up, each as a ratio to the floor page (`demo.bench_urls`) measured in the same run. Jobs are
timed as their Celery tasks call them, each in a transaction rolled back afterwards, so the clinic
stays as generated and a later run measures the same thing. Reminder throughput goes through one
real Celery worker; the load test is locust against gunicorn on loopback.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from clients.models import Client
from demo.load_profile import profile_workers
from iop.clock import week_bounds, week_start_of
from iop.models import Role, User
from iop.second_factor import mark_verified
from scheduling.models import Reminder, ReminderPreference, Session, SessionClient
from scheduling.selectors.compliance import client_weeks_of_sessions
from scheduling.selectors.reminders import due_reminder_list
from scheduling.services import authorizations, compliance, reminders
from scheduling.services.feeds import calendar_feed_create
from scheduling.services.sessions import sessions_materialize

WARM_UP = 3
# A page's timed requests come in rounds of this many, each after as many timed floor requests
# (both after WARM_UP untimed ones: the request before leaves cold caches and garbage). This
# machine's speed drifts by a third within seconds (a pure-Python loop ran 1,931 to 3,224 times a
# second over 25 s), so a page is compared with the floor of the same seconds, not of another
# moment of the run.
ROUND = 5
GROUP_ROSTER = 15
THROUGHPUT_REMINDERS = 10_000
# What one reminders_send_due task handles at most (its `limit`).
SEND_BATCH = 1000
LOAD_CLINICIANS, LOAD_CLIENTS, LOAD_SECONDS = 50, 200, 60
# The seconds each user of the load test waits between pages, one run each: as fast as people
# click (its 250 users ask some 80 pages a second, more than this machine serves: the queue is the
# latency), and at a working pace (a page every 5 to 15 s, reading Today or a chart, marking a
# sheet: 25 pages a second, still several times a whole clinic's busiest minute). Only the second
# is profiled: py-spy took a fifth of a core, which a saturated server would have served pages
# with.
LOAD_PAUSES: tuple[tuple[int, int], ...] = ((1, 5), (5, 15))
LOAD_PROFILED_PAUSE = LOAD_PAUSES[1]
# Sync gunicorn workers: gunicorn's rule of thumb (2 per core, plus one), so a core is not idle
# while a worker waits on PostgreSQL (on the same machine).
LOAD_WORKERS = 2 * (os.cpu_count() or 2) + 1
# The load test's first and last seconds (users arriving at 50 a second, then leaving) are left
# out of the workers' profile.
PROFILE_AFTER_SECONDS = 10


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Page:
    name: str
    username: str
    url: str = ""
    # A page that needs rows made for it (the iCal feed's token) makes them here and returns its
    # URL; it is then measured in a transaction rolled back afterwards, so the rows and their
    # audit log entries do not pile up run after run (the audit log is a page measured too).
    prepare: Callable[[], str] | None = None


def subjects() -> dict[str, object]:
    """Who and what the pages are about: the busiest clinician, the group session of theirs in the
    last week with a roster nearest 15, one of its clients (with a portal login)."""
    now = timezone.now()
    clinician = (
        User.objects.filter(role=Role.CLINICIAN, caseload__status=Client.Status.ACTIVE)
        .annotate(active=Count("caseload"))
        .order_by("-active", "pk")
        .first()
    )
    assert clinician is not None, "the clinic has no clinician with active clients"
    recent = Session.objects.filter(
        clinician=clinician,
        group__isnull=False,
        status=Session.Status.SCHEDULED,
        starts_at__gte=now - timedelta(days=7),
        starts_at__lt=now,
    )
    rosters = (
        SessionClient.objects.filter(session__in=recent)
        .values("session_id")
        .annotate(size=Count("*"))
        .order_by("session_id")
    )
    session_id = min(rosters, key=lambda row: (abs(row["size"] - GROUP_ROSTER), row["session_id"]))[
        "session_id"
    ]
    client = (
        Client.objects.filter(
            session_links__session_id=session_id, user__isnull=False, status=Client.Status.ACTIVE
        )
        .order_by("pk")
        .first()
    )
    assert client is not None
    assert client.user is not None
    return {"clinician": clinician, "session_id": session_id, "client": client}


def _pages(subjects: dict[str, object]) -> list[Page]:
    clinician: User = subjects["clinician"]  # type: ignore[assignment]
    client: Client = subjects["client"]  # type: ignore[assignment]
    portal_user = client.user
    assert portal_user is not None
    session_id = subjects["session_id"]
    staff, admin, portal = clinician.username, "admin", portal_user.username
    return [
        Page("floor", staff, reverse("bench-floor")),
        Page("clinician today", staff, reverse("scheduling:today")),
        Page("group session page", staff, reverse("scheduling:session-detail", args=[session_id])),
        Page("chart", staff, reverse("clients:chart", args=[client.pk])),
        Page(
            "chart activity panel", staff, reverse("scheduling:client-activity", args=[client.pk])
        ),
        Page("chart measures panel", staff, reverse("clients:chart-measures", args=[client.pk])),
        Page(
            "chart authorizations panel",
            staff,
            reverse("scheduling:client-authorizations", args=[client.pk]),
        ),
        Page("client hours (staff)", staff, reverse("scheduling:client-hours", args=[client.pk])),
        Page("caseload", staff, reverse("clients:caseload")),
        Page("caseload hours", staff, reverse("scheduling:caseload-hours")),
        Page("clinician week", staff, reverse("scheduling:clinician-week")),
        Page("alerts (clinician)", staff, reverse("scheduling:alerts")),
        Page("client list", admin, reverse("clients:list")),
        # A clinician's list runs the reach rule over the whole clinic.
        Page("client list (clinician)", staff, reverse("clients:list")),
        Page("client search", admin, reverse("clients:list") + f"?q={client.legal_last_name}"),
        Page("client schedule", portal, reverse("scheduling:my-schedule")),
        Page("client hours", portal, reverse("scheduling:my-hours")),
        Page(
            "iCal feed",
            portal,
            prepare=lambda: reverse(
                "scheduling:feed", args=[calendar_feed_create(actor=portal_user)]
            ),
        ),
        Page("admin dashboard", admin, reverse("iop:dashboard")),
        Page("reminder health panel", admin, reverse("scheduling:reminder-health")),
        # The admin home's other cards, each loaded on its own.
        Page("census card", admin, reverse("clients:census")),
        Page("weekly hours card", admin, reverse("scheduling:home-hours")),
        Page("overdue work card", admin, reverse("scheduling:home-overdue")),
        Page("groups near capacity card", admin, reverse("groups:near-capacity")),
        Page("authorizations review", admin, reverse("scheduling:authorizations-review")),
        Page("utilization reviews", admin, reverse("scheduling:utilization-reviews")),
        Page("outcomes card", admin, reverse("clients:outcomes-summary")),
        Page("clinic day", admin, reverse("scheduling:clinic-day")),
        Page("groups", admin, reverse("groups:list")),
        Page("weekly-hours report", admin, reverse("scheduling:compliance-report")),
        Page("alerts (admin)", admin, reverse("scheduling:alerts")),
        Page("overdue documentation", admin, reverse("scheduling:overdue")),
        Page("audit log, chart reads", admin, reverse("iop:audit-log") + "?kind=reads"),
        Page("audit log, changes", admin, reverse("iop:audit-log")),
    ]


def no_turn() -> None:
    """Measuring alone: no other scale to take turns with."""


def measure_pages(
    subjects: dict[str, object], requests: int, turn: Callable[[], None] = no_turn
) -> dict[str, dict[str, float]]:
    """p50, p95 (ms), queries and HTML size (KB) of every page, and its ratio to the p50 of the
    floor requests interleaved with its own (`x_floor`); the floor's row is of all of them. Each
    round waits for `turn()` first: the other scales' rounds of the page run in between."""
    results: dict[str, dict[str, float]] = {}
    with override_settings(ROOT_URLCONF="demo.bench_urls"):
        floor, *pages = _pages(subjects)
        browsers: dict[str, Browser] = {}

        def browser_of(username: str) -> Browser:
            if username not in browsers:
                browsers[username] = Browser(SERVER_NAME="localhost")
                user = User.objects.get(username=username)
                browsers[username].force_login(user)
                if user.is_clinic_staff:
                    mark_verified(browsers[username], _bench_authenticator(user))
            return browsers[username]

        floor_timings: list[float] = []
        for page in pages:
            with _rolled_back() if page.prepare else nullcontext():
                url = page.prepare() if page.prepare else page.url
                page_floor: list[float] = []
                timings: list[float] = []
                for done in range(0, requests, ROUND):
                    turn()
                    count = min(ROUND, requests - done)
                    floor_round, floor_queries, floor_kb = _timed(
                        browser_of(floor.username), floor.url, count
                    )
                    page_floor += floor_round
                    page_round, queries, kb = _timed(browser_of(page.username), url, count)
                    timings += page_round
            floor_timings += page_floor
            results[page.name] = {
                **_page_row(timings, queries, kb),
                "x_floor": statistics.median(timings) / statistics.median(page_floor),
            }
        results = {
            floor.name: {**_page_row(floor_timings, floor_queries, floor_kb), "x_floor": 1.0},
            **results,
        }
    return results


def _timed(browser: Browser, url: str, requests: int) -> tuple[list[float], int, float]:
    """The ms of `requests` GETs of `url` after WARM_UP untimed ones, and the queries and HTML size
    (KB) of the last."""
    for _ in range(WARM_UP):
        browser.get(url)
    timings = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = browser.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return timings, _statements(queries), len(response.content) / 1024


def _page_row(timings: list[float], queries: int, kb: float) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(timings),
        "p95_ms": _percentile(timings, 0.95),
        "queries": queries,
        "kb": kb,
    }


# Transaction control: a page's BEGIN and COMMIT become savepoints when it runs inside another
# transaction (as in the tests); neither reads nor writes anything.
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _statements(queries: CaptureQueriesContext) -> int:
    """Queries a page made, not counting transaction control, so a page counts the same in the
    tests and in a bench run."""
    return sum(
        not query["sql"].startswith(_TRANSACTION_CONTROL) for query in queries.captured_queries
    )


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _time_rolled_back(works: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median ms of each of `works`, run in turn `runs` times (so works compared with each other
    are timed in the same seconds), each run in a transaction rolled back afterwards."""
    timings: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(runs):
        for name, work in works.items():
            with _rolled_back():
                started = time.perf_counter()
                work()
                timings[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(ms) for name, ms in timings.items()}


# A GROUP BY of the week's attendance alone: less than the recompute reads (not the rosters,
# without which no minute can be "still scheduled"), a floor below its bound.
_GROUP_BY_ATTENDANCE_SQL = """
    SELECT a.client_id, SUM(a.minutes_attended),
           COUNT(DISTINCT (s.starts_at AT TIME ZONE %(tz)s)::date)
    FROM scheduling_attendance a
    JOIN scheduling_session s ON s.id = a.session_id
    WHERE s.starts_at >= %(start)s AND s.starts_at < %(end)s AND s.counts_toward_hours
    GROUP BY a.client_id
"""

# The recompute's lower bound: one hand-written GROUP BY over the same rows, every row it reads to
# compute the weeks: the week's rosters (its group sessions' enrollments, read by their last day
# as the recompute reads them, and its individual sessions) and its attendance. It leaves out what
# the statement does besides (the clients' days in the program, the statuses, the comparison with
# the stored rows, alerts).
_GROUP_BY_BOUND_SQL = """
    WITH s AS MATERIALIZED (
        SELECT id, group_id, client_id, (starts_at AT TIME ZONE %(tz)s)::date AS day,
               (EXTRACT(EPOCH FROM ends_at - starts_at) / 60)::int AS minutes
        FROM scheduling_session
        WHERE starts_at >= %(start)s AND starts_at < %(end)s AND counts_toward_hours
    )
    SELECT client_id, SUM(scheduled), SUM(attended), COUNT(DISTINCT day)
    FROM (
        SELECT e.client_id, s.day, s.minutes AS scheduled, NULL::int AS attended
        FROM s
        JOIN groups_enrollment e
          ON e.group_id = s.group_id AND e.voided_at IS NULL
         AND e.start_date <= s.day AND COALESCE(e.end_date, DATE '9999-12-31') >= s.day
         AND e.start_date <= %(last_day)s AND COALESCE(e.end_date, DATE '9999-12-31') >= %(first_day)s
        UNION ALL
        SELECT s.client_id, s.day, s.minutes, NULL FROM s WHERE s.client_id IS NOT NULL
        UNION ALL
        SELECT a.client_id, s.day, NULL, a.minutes_attended
        FROM s JOIN scheduling_attendance a ON a.session_id = s.id
    ) rows_read
    GROUP BY client_id
"""


def measure_jobs(runs: int, session_id: int) -> dict[str, float]:
    """Median ms of every periodic job as its task calls it (nothing new to do), of the recompute
    one attendance save asks for, and of the GROUP BY bound of the week's recompute (and of the
    week's attendance alone)."""
    week_start = week_start_of(timezone.localdate())
    start, end = week_bounds(week_start)
    jobs: dict[str, Callable[[], object]] = {
        "materialize sessions": sessions_materialize,
        "reminder planning": reminders.reminders_plan,
        "reminder sending": reminders.reminders_send_due,
        "recompute open weeks (hourly)": compliance.compliance_recompute_open_weeks,
        "week close": compliance.week_close,
        "nudges": compliance.compliance_nudges_send,
        "utilization review (daily)": authorizations.utilization_reviews_update,
        "recompute after one attendance save": lambda: compliance.compliance_recompute(
            client_weeks=client_weeks_of_sessions(session_ids=[session_id])
        ),
    }
    results: dict[str, float] = {}
    for name, job in jobs.items():
        results |= _time_rolled_back({name: job}, runs)

    week_params = {
        "tz": settings.TIME_ZONE,
        "start": start,
        "end": end,
        "first_day": week_start,
        "last_day": week_start + timedelta(days=6),
    }

    def group_by(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, week_params)
            cursor.fetchall()

    # The week's recompute and its bounds in turn, so their ratios are of the same seconds.
    week = partial(compliance.compliance_recompute_week, week_start=week_start)
    return results | _time_rolled_back(
        {
            "recompute this week, all clients": week,
            "GROUP BY bound: the rows it reads": partial(group_by, _GROUP_BY_BOUND_SQL),
            "GROUP BY of the attendance alone": partial(group_by, _GROUP_BY_ATTENDANCE_SQL),
        },
        runs,
    )


# Due reminders for sessions beyond the planner's window (so planning never touches them), for
# active clients with both an email address and a phone number.
_DUE_REMINDERS_SQL = """
    INSERT INTO scheduling_reminder (session_id, client_id, kind, channel, due_at, status,
                                     attempts, last_error, created_at)
    SELECT sc.session_id, sc.client_id, k.kind, ch.channel, %(due_at)s, 'pending', 0, '', %(due_at)s
    FROM scheduling_sessionclient sc
    JOIN clients_client c ON c.id = sc.client_id AND c.status = 'active'
                          AND c.email <> '' AND c.phone <> ''
    JOIN scheduling_session s ON s.id = sc.session_id AND s.status = 'scheduled'
    CROSS JOIN (VALUES ('day_before'), ('hours_before')) AS k(kind)
    CROSS JOIN (VALUES ('email'), ('sms')) AS ch(channel)
    WHERE sc.starts_at > %(beyond)s
      AND NOT EXISTS (SELECT 1 FROM scheduling_reminder r
                      WHERE r.session_id = sc.session_id AND r.client_id = sc.client_id
                        AND r.kind = k.kind AND r.channel = ch.channel)
    ORDER BY sc.starts_at DESC, sc.session_id, sc.client_id, k.kind, ch.channel
    LIMIT %(count)s
    RETURNING id
"""


def _start(*module_args: str, environment: dict[str, str] | None = None) -> subprocess.Popen:
    """`python -m ...` in the project's directory, with `environment` (this one by default), its
    output discarded (the development backends print every message)."""
    return subprocess.Popen(
        [sys.executable, "-m", *module_args],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _production_environment(static_root: Path) -> dict[str, str]:
    """This environment with the production settings a clinic runs (DEBUG and the demo app off,
    static files collected with their manifest), behind a proxy that ends TLS: the load test
    sends the proxy's `X-Forwarded-Proto: https`. The secret key stays this one, which signed the
    load test's sessions."""
    environment = {
        **os.environ,
        "DEBUG": "0",
        "DEMO": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
    )
    return environment


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure_reminder_throughput(count: int = THROUGHPUT_REMINDERS) -> dict[str, float]:
    """`count` due reminders through one real Celery worker (solo pool): reminders a second, from
    the first task enqueued to the last row handled. The rows are removed afterwards."""
    from celery import current_app

    from scheduling.tasks import reminders_send_due

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _DUE_REMINDERS_SQL,
            {
                "due_at": now - timedelta(minutes=1),
                "beyond": now + timedelta(days=9),
                "count": count,
            },
        )
        ids = [row[0] for row in cursor.fetchall()]
    # No quiet hours in the way: the bench measures sending, not waiting.
    quiet = list(
        ReminderPreference.objects.filter(quiet_start__isnull=False).values_list(
            "pk", "quiet_start", "quiet_end"
        )
    )
    ReminderPreference.objects.filter(quiet_start__isnull=False).update(
        quiet_start=None, quiet_end=None
    )
    worker = _start(
        "celery", "-A", "iop", "worker", "--pool", "solo", "-l", "warning",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    )  # fmt: skip
    try:
        while not current_app.control.ping(timeout=1):
            if worker.poll() is not None:
                raise RuntimeError("the Celery worker did not start")
        pending = Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PENDING)
        # Reminders of the clinic that fell due since it was generated go out first, in order.
        due = due_reminder_list(now=timezone.now()).count()
        started = time.perf_counter()
        for _ in range(due // SEND_BATCH + 1):
            reminders_send_due.delay()
        while pending.exists():
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        sent = Reminder.objects.filter(pk__in=ids, status=Reminder.Status.SENT).count()
    finally:
        _stop(worker)
        Reminder.objects.filter(pk__in=ids).delete()
        for pk, quiet_start, quiet_end in quiet:
            ReminderPreference.objects.filter(pk=pk).update(
                quiet_start=quiet_start, quiet_end=quiet_end
            )
    return {
        "reminders": len(ids),
        "handled": due,
        "sent": sent,
        "seconds": elapsed,
        "per_second": due / elapsed,
    }


def _bench_authenticator(user: User) -> TOTPDevice:
    """Staff pages need a second factor this session: the synthetic staff get an authenticator
    (the bench measures pages, not the code page)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    return device


def _login_cookies(usernames: list[str]) -> list[str]:
    """A session key per user, as a login would make (the load test measures pages, not
    password hashing)."""
    # The first backend that can load a user (axes' comes first and cannot).
    backend = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    keys: list[str] = []
    users = User.objects.in_bulk(usernames, field_name="username")
    for user in (users[username] for username in usernames):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if user.is_clinic_staff:
            session[DEVICE_ID_SESSION_KEY] = _bench_authenticator(user).persistent_id
        session.create()
        assert session.session_key is not None  # create() saved it under a new key
        keys.append(session.session_key)
    return keys


def measure_load(
    seconds: int = LOAD_SECONDS, pause: tuple[int, int] = LOAD_PAUSES[0]
) -> dict[str, Any]:
    """locust (headless, on loopback) against gunicorn: LOAD_CLINICIANS clinicians and
    LOAD_CLIENTS clients for `seconds`, each waiting `pause` (least, most) seconds between pages.
    Requests a second, p95 (ms), errors."""
    import csv
    import socket

    clinicians = list(
        User.objects.filter(role=Role.CLINICIAN, is_active=True).values_list("username", flat=True)
    )
    clients = list(
        Client.objects.filter(status=Client.Status.ACTIVE, user__isnull=False)
        .order_by("pk")
        .values_list("user__username", flat=True)[:LOAD_CLIENTS]
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    now = timezone.now()
    staff = []
    for username, cookie in zip(clinicians, _login_cookies(clinicians), strict=True):
        session = (
            Session.objects.filter(
                clinician__username=username, group__isnull=False, starts_at__lt=now
            )
            .order_by("-starts_at")
            .first()
        )
        client = (
            Client.objects.filter(primary_clinician__username=username, status=Client.Status.ACTIVE)
            .order_by("pk")
            .first()
        )
        if session is not None and client is not None:
            staff.append({"cookie": cookie, "session_id": session.pk, "client_id": client.pk})
    plan = {
        "staff": staff,
        "client_sessions": _login_cookies(clients),
        "clinicians": LOAD_CLINICIANS,
        "clients": LOAD_CLIENTS,
        "pause_seconds": pause,
    }
    (work / "plan.json").write_text(json.dumps(plan))
    production = _production_environment(work / "static")
    server = _start(
        "gunicorn", "iop.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(LOAD_WORKERS), "--log-level", "warning",
        environment=production,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        locust = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                str(LOAD_CLINICIANS + LOAD_CLIENTS),
                "--spawn-rate",
                "50",
                "--run-time",
                f"{seconds}s",
                "--csv",
                str(work / "load"),
                "--only-summary",
                # The figures of the users at work, not of their arrival (the workers' first
                # requests compile their templates).
                "--reset-stats",
            ],
            env={**os.environ, "BENCH_LOAD_PLAN": str(work / "plan.json")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            profile = None
            if pause == LOAD_PROFILED_PAUSE:
                # The workers' profile while every user is at work, not as they arrive or leave.
                time.sleep(PROFILE_AFTER_SECONDS)
                profile = profile_workers(
                    server_pid=server.pid,
                    seconds=max(1, seconds - 2 * PROFILE_AFTER_SECONDS),
                    output=work / "profile.txt",
                )
            locust.wait(timeout=seconds + 120)
        finally:
            if locust.poll() is None:
                locust.kill()
                locust.wait()
    finally:
        _stop(server)
    with (work / "load_stats.csv").open() as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    total = rows.pop("Aggregated")
    return {
        "requests": float(total["Request Count"]),
        "errors": float(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "seconds": seconds,
        "pause_seconds": list(pause),
        "workers": LOAD_WORKERS,
        # Where the workers' time went (None unless this run was profiled, or where py-spy
        # could not sample them).
        "profile": asdict(profile) if profile else None,
        # Which pages make the p95.
        "pages": {
            name: {
                "requests": float(row["Request Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
            }
            for name, row in rows.items()
        },
    }
