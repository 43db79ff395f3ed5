"""Settings fail loudly on bad values: the process refuses to start and says what is wrong."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tests.helpers import ROOT
from tests.settings import redis_url_for_worker

GOOD = {"DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "REDIS_URL": "redis://127.0.0.1:6379/0"}


def load_settings(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update({"DJANGO_SETTINGS_MODULE": "iop.settings", "DEBUG": "1", **GOOD, **overrides})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.INSTALLED_APPS"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_suite_runs_on_the_test_settings():
    # Not iop.settings: `iop.embedded` exports that name, and it must not win (pyproject's --ds).
    assert settings.SETTINGS_MODULE == "tests.settings"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_good_settings_load():
    assert load_settings().returncode == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE 'Mars/Olympus' is not a known"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "mysql://u@localhost/db"}, "DATABASE_URL must point at PostgreSQL"),
        ({"REDIS_URL": None}, "REDIS_URL is not set"),
        ({"REDIS_URL": "amqp://guest@localhost//"}, "REDIS_URL must be a redis://"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be between"),
        ({"SESSION_IDLE_MINUTES": "soon"}, "invalid literal for int"),
        ({"DEBUG": "0", "SECRET_KEY": ""}, "SECRET_KEY is required when DEBUG is off"),
    ],
)
def test_bad_settings_stop_the_process_with_a_clear_message(overrides, message):
    result = load_settings(**overrides)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis+socket:///srv/var/run/redis.sock", None, "redis+socket:///srv/var/run/redis.sock"),
        (
            "redis+socket:///srv/var/run/redis.sock",
            "gw0",
            "redis+socket:///srv/var/run/redis.sock?virtual_host=0",
        ),
        (
            "redis+socket:///srv/var/run/redis.sock",
            "gw1",
            "redis+socket:///srv/var/run/redis.sock?virtual_host=1",
        ),
        (
            "redis+socket:///srv/redis.sock?virtual_host=4",
            "gw1",
            "redis+socket:///srv/redis.sock?virtual_host=5",
        ),
        ("redis://127.0.0.1:6379/14", "gw1", "redis://127.0.0.1:6379/15"),
        ("redis://:secret@127.0.0.1:6379", "gw1", "redis://:secret@127.0.0.1:6379/1"),
        (
            "rediss://broker:6380/2?ssl_cert_reqs=required",
            "gw0",
            "rediss://broker:6380/2?ssl_cert_reqs=required",
        ),
    ],
)
def test_each_pytest_worker_gets_its_own_redis_database(url, worker, expected):
    assert redis_url_for_worker(url, worker) == expected


def test_a_pytest_worker_past_the_last_redis_database_is_refused_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match="would use Redis database 16"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", "gw1")


def test_celery_workers_started_by_a_test_use_the_same_redis_database_as_the_test():
    env = {**os.environ, "PYTEST_XDIST_WORKER": "gw1", "REDIS_URL": "redis://127.0.0.1:6379/3"}
    env.update(
        {
            "DATABASE_URL": GOOD["DATABASE_URL"],
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DEBUG": "1",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", "from iop.celery import app; print(app.conf.broker_url)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "redis://127.0.0.1:6379/4", result.stderr


@pytest.mark.django_db
def test_connections_never_jit_compile_a_query():
    """Stock PostgreSQL compiles a query whose estimated cost passes `jit_above_cost`: seconds for
    a query that runs in milliseconds, once the history is large enough."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_connection_options_from_the_url_are_kept_beside_jit_off():
    script = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update({"DJANGO_SETTINGS_MODULE": "iop.settings", "DEBUG": "1", **GOOD})
    env["DATABASE_URL"] += "?options=-c%20statement_timeout%3D5000"
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout
    assert "-c statement_timeout=5000 -c jit=off" in shown
