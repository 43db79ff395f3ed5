"""Settings fail loudly on bad values: the process refuses to start and says what is wrong."""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

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
