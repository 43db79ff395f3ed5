"""Settings for the test run (pyproject's DJANGO_SETTINGS_MODULE): production's `iop.settings`
with a fast password hasher, and under `pytest -n` (pytest-xdist) a Redis database per worker.

pytest-django gives each xdist worker its own test database (test_iop_gw0, test_iop_gw1, ...); the
broker needs the same, or one worker's `app.control.purge()` and Celery workers would take the
other's tasks. Celery worker processes started by tests inherit DJANGO_SETTINGS_MODULE and
PYTEST_XDIST_WORKER, so they load this module too and land on the same Redis database.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from iop.settings import *  # noqa: F403
from iop.settings import REDIS_URL

# Argon2 is slow on purpose and every factory-made user is hashed: MD5 keeps the suite fast.
# tests/iop/test_auth.py checks that production's hashers (iop.settings) make Argon2 hashes.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Redis' default number of databases (`databases 16`); the embedded server keeps it.
REDIS_DATABASES = 16


def redis_url_for_worker(url: str, worker: str | None) -> str:
    """`url` moved to Redis database base + N for xdist worker `gwN`, where base is the URL's own
    database (0 when it names none): `/N` in a redis:// path, `?virtual_host=N` for redis+socket://
    (kombu reads a unix-socket URL's database from its query)."""
    if not worker:
        return url
    index = int(worker.removeprefix("gw"))
    address, _, query = url.partition("?")
    params = dict(param.split("=", 1) for param in query.split("&") if param)
    if url.startswith("redis+socket://"):
        database = int(params.get("virtual_host") or 0) + index
        params["virtual_host"] = str(database)
    else:
        scheme, _, rest = address.partition("://")
        host, _, path = rest.partition("/")
        database = int(path or 0) + index
        address = f"{scheme}://{host}/{database}"
    if database >= REDIS_DATABASES:
        raise ImproperlyConfigured(
            f"pytest worker {worker} would use Redis database {database}, past Redis' "
            f"{REDIS_DATABASES}: give REDIS_URL a lower database or run fewer workers."
        )
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{address}?{query}" if query else address


REDIS_URL = redis_url_for_worker(REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER"))
CELERY_BROKER_URL = REDIS_URL

# The demo and the synthetic clinic are tested whatever DEBUG says.
if "demo" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405

# Every run of a statement compiled once (`iop.statements`) also builds and compiles it again and
# compares: a builder that captured a value, not a slot, fails the test that runs it twice.
STATEMENTS_CHECKED = True
