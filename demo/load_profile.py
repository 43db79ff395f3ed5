"""Where the load test's gunicorn workers spend their time: py-spy samples their stacks from outside
(the workers run at full speed, unchanged), and each sample is put in the area of its innermost
frame that belongs to one: the answer to "why" when the load test misses its target.

`profile_workers` runs py-spy; `profile_areas` reads its raw output ("frame;frame;... count" a
line, the root first, each frame "function (file:line)"), so it can be tested without a server.
"""

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Samples a second of each worker: enough for shares to the percent over the load test. py-spy
# still takes about a fifth of a core at this rate (on the same two cores as the server), so only
# the load test run at a working pace, which leaves cores idle, is profiled (`demo.bench`).
SAMPLE_RATE = 20

# Areas, each with what its frames look like: a sample belongs to the first area found walking its
# stack from the innermost frame out, so a template that runs a query counts as the query, and a
# query's rows as rows, not as the page that asked.
_AREAS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "PostgreSQL and psycopg2 (the statement sent, its answer awaited and decoded)",
        re.compile(
            r"^(CursorWrapper\.\w+|DatabaseWrapper\.is_usable) \(django/db/backends/"
            r"|^cursor_iter \(django/db/models/sql/compiler\.py"
        ),
    ),
    (
        "ORM: rows into objects",
        re.compile(r"^\w*Iterable\.__iter__ \(|\(django/db/models/(base\.py|fields/)"),
    ),
    (
        "ORM: building and compiling queries",
        re.compile(
            r"\(django/db/models/(sql/|expressions|lookups|query_utils|query\.py|functions)"
        ),
    ),
    ("templates", re.compile(r"\((django/template/|crispy_forms/|\w+/templatetags/)")),
    (
        "middleware, sessions, logins",
        re.compile(
            r"\((django/(contrib/(sessions|auth|messages)|middleware)/|django_otp/|axes/|"
            r"auditlog/|csp/|whitenoise/|django_htmx/|iop/middleware\.py)"
        ),
    ),
    ("the app's own code", re.compile(r"\((iop|clients|groups|scheduling)/")),
)
_SERVER = "gunicorn, WSGI, URL routing and the rest of Django"
# A view: a public function of the apps' views modules (not their helpers); its share counts
# every sample under it.
_VIEW = re.compile(r"^([a-z]\w*) \((?:iop|clients|groups|scheduling)/views(?:/\w+)?\.py:\d+\)$")


@dataclass(frozen=True)
class WorkerProfile:
    samples: int
    # Share (0-1) of the samples in each area, largest first; they add up to 1.
    areas: dict[str, float]
    # Share of the samples under each view function, largest first.
    views: dict[str, float]


def _area(frames: list[str]) -> str:
    for frame in reversed(frames):
        for area, pattern in _AREAS:
            if pattern.search(frame):
                return area
    return _SERVER


def profile_areas(raw: str) -> WorkerProfile:
    """py-spy's raw output, summed by area and by view."""
    areas: Counter[str] = Counter()
    views: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        areas[_area(frames)] += int(count)
        for view in {match[1] for frame in frames if (match := _VIEW.match(frame))}:
            views[view] += int(count)
    total = sum(areas.values())
    return WorkerProfile(
        samples=total,
        areas={area: count / total for area, count in areas.most_common()} if total else {},
        views={view: count / total for view, count in views.most_common()} if total else {},
    )


def profile_workers(*, server_pid: int, seconds: int, output: Path) -> WorkerProfile | None:
    """Sample the gunicorn server's workers (its child processes) for `seconds`. None where py-spy
    cannot (not installed, or not allowed to read another process's memory)."""
    py_spy = Path(sys.executable).with_name("py-spy")
    if not py_spy.exists():
        return None
    subprocess.run(
        [
            str(py_spy), "record", "--pid", str(server_pid), "--subprocesses", "--nonblocking",
            "--rate", str(SAMPLE_RATE), "--duration", str(seconds),
            "--format", "raw", "--output", str(output),
        ],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=seconds + 60,
    )  # fmt: skip
    if not output.exists():
        return None
    profile = profile_areas(output.read_text())
    return profile if profile.samples else None
