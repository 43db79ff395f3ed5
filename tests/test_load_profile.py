"""The load test's profile of the gunicorn workers: each py-spy sample in the area of its innermost
frame that has one, and py-spy really sampling a server's child processes."""

import subprocess
import sys
from pathlib import Path

import pytest

from demo.load_profile import profile_areas, profile_workers

SERVER = 'process 7:"python -m gunicorn iop.wsgi";run (gunicorn/workers/sync.py:68)'
VIEW = f"{SERVER};get_response (django/core/handlers/base.py:197);my_schedule (scheduling/views/calendars.py:38)"
TEMPLATE = (
    "Template.render (django/template/base.py:172);NodeList.render (django/template/base.py:1018)"
)
QUERY = "QuerySet.__len__ (django/db/models/query.py:368);ModelIterable.__iter__ (django/db/models/query.py:93)"


def test_each_sample_is_counted_in_the_area_of_its_innermost_frame_that_has_one() -> None:
    raw = "\n".join(
        [
            # Template code, under a lazy helper no area claims.
            f"{VIEW};{TEMPLATE};wrapper (django/utils/functional.py:226) 4",
            # A query a template ran: the query's, not the template's.
            f"{VIEW};{TEMPLATE};{QUERY};CursorWrapper._execute (django/db/backends/utils.py:105) 3",
            f"{VIEW};{QUERY};SQLCompiler.as_sql (django/db/models/sql/compiler.py:766) 2",
            f"{VIEW};{QUERY};Model.__init__ (django/db/models/base.py:462) 2",
            # A view's helper is not a view of its own.
            f"{SERVER};my_hours (scheduling/views/compliance.py:55);_hours "
            "(scheduling/views/compliance.py:40);hours_overview_get "
            "(scheduling/selectors/compliance.py:139) 1",
            f"{SERVER};get_user (django/contrib/auth/middleware.py:20) 1",
            f"{SERVER};handle_request (gunicorn/workers/sync.py:180) 7",
        ]
    )

    profile = profile_areas(raw)

    assert profile.samples == 20
    assert profile.areas == {
        "gunicorn, WSGI, URL routing and the rest of Django": 0.35,
        "templates": 0.2,
        "PostgreSQL and psycopg2 (the statement sent, its answer awaited and decoded)": 0.15,
        "ORM: building and compiling queries": 0.1,
        "ORM: rows into objects": 0.1,
        "the app's own code": 0.05,
        "middleware, sessions, logins": 0.05,
    }
    assert profile.views == {"my_schedule": 0.55, "my_hours": 0.05}


def test_lines_that_are_not_samples_are_left_out() -> None:
    profile = profile_areas(f"\n{VIEW} many\nnot a sample\n{VIEW};{TEMPLATE} 2\n")

    assert profile.samples == 2
    assert profile.areas == {"templates": 1.0}


def test_nothing_sampled_is_an_empty_profile() -> None:
    assert profile_areas("").samples == 0


def test_without_py_spy_there_is_no_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))

    assert profile_workers(server_pid=1, seconds=1, output=tmp_path / "profile.txt") is None


def test_py_spy_samples_the_child_processes_of_a_server(tmp_path: Path) -> None:
    # A parent that only waits, as gunicorn's arbiter does, and a busy child, as a worker is.
    busy_child = (
        "import subprocess, sys; subprocess.run([sys.executable, '-c', 'while True: pass'])"
    )
    server = subprocess.Popen([sys.executable, "-c", busy_child])
    try:
        profile = profile_workers(server_pid=server.pid, seconds=1, output=tmp_path / "raw.txt")
    finally:
        subprocess.run(["pkill", "-P", str(server.pid)], check=False)
        server.kill()
        server.wait()

    assert profile is not None
    assert profile.samples > 0
    assert profile.areas == {"gunicorn, WSGI, URL routing and the rest of Django": 1.0}
