"""The demo clinic seeded once for a module's tests (seeding takes seconds): kept in a transaction
that is rolled back after the module's last test, since clinical rows cannot be deleted. Each test
then runs in a savepoint of its own on top of it (`db`)."""

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from tests.demo import THURSDAY_EVENING


def _seeded(django_db_blocker, at: datetime | None) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(at, tick=False) if at else nullcontext():
            call_command("seed_demo")
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def seeded_on_a_thursday_evening(django_db_setup, django_db_blocker):
    yield from _seeded(django_db_blocker, THURSDAY_EVENING)


@pytest.fixture(scope="module")
def seeded_now(django_db_setup, django_db_blocker):
    yield from _seeded(django_db_blocker, None)
