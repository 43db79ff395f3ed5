"""Reminders through a real Celery worker on real Redis: sent once; a worker killed mid-batch, a
flushed broker and a doubled beat tick lose nothing and send nothing twice."""

import signal
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from iop.celery import app
from scheduling.models import Reminder, Session
from scheduling.tasks import reminders_plan, reminders_send_due
from tests.factories import EnrollmentFactory, GroupFactory, ReminderPreferenceFactory
from tests.helpers import start_celery_worker, wait_for
from tests.scheduling.sms_backends import JOURNAL_TABLE

pytestmark = pytest.mark.integration

JOURNAL_ENV = {"SMS_BACKEND": "tests.scheduling.sms_backends.JournalSmsBackend"}


@pytest.fixture
def journal(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {JOURNAL_TABLE} (reference text NOT NULL)")
        cursor.execute(f"TRUNCATE {JOURNAL_TABLE}")
    app.control.purge()
    return lambda: Counter(_journal_references())


def _journal_references():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reference FROM {JOURNAL_TABLE}")
        return [reference for (reference,) in cursor.fetchall()]


@pytest.fixture
def workers():
    started = []

    def start(name="worker", **extra_env):
        worker = start_celery_worker({**JOURNAL_ENV, **extra_env}, name=name)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
    connection.close()


def due_text_reminders(count):
    """`count` text reminders due now: one client on a group whose next `count` sessions start
    about two hours from now, a second apart (their day-before reminders were due long ago)."""
    preference = ReminderPreferenceFactory(email_opt_in=False, client__user=None)
    group = GroupFactory()
    EnrollmentFactory(group=group, client=preference.client)
    first = timezone.now() + timedelta(hours=2, minutes=-5)
    Session.objects.bulk_create(
        Session(session_type="group", group=group, clinician=group.facilitators.first(),
                room=group.room, starts_at=first + timedelta(seconds=i),
                ends_at=first + timedelta(seconds=i, minutes=90))
        for i in range(count)
    )  # fmt: skip
    reminders_plan()  # in this process: the planning is not what these tests are about
    assert Reminder.objects.filter(status="pending", due_at__lte=timezone.now()).count() == count
    return {f"reminder-{pk}" for pk in Reminder.objects.values_list("pk", flat=True)}


def all_sent():
    return not Reminder.objects.exclude(status="sent").exists()


def test_a_due_reminder_is_sent_once(journal, workers):
    references = due_text_reminders(2)
    workers()
    reminders_send_due.delay()
    reminders_send_due.delay()
    assert wait_for(all_sent, timeout=30)
    assert journal() == Counter(references)


def test_killing_the_worker_mid_batch_of_200_then_restarting_sends_each_exactly_once(
    journal, workers
):
    references = due_text_reminders(200)
    worker = workers(SMS_JOURNAL_DELAY="0.02")
    reminders_send_due.delay()
    assert wait_for(lambda: sum(journal().values()) >= 40, timeout=30)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    sent_before_restart = sum(journal().values())
    assert 40 <= sent_before_restart < 200, "the kill did not land mid-batch"
    workers(name="restarted")
    reminders_send_due.delay()  # beat's next tick
    assert wait_for(all_sent, timeout=60)
    assert journal() == Counter(references)


def test_flushing_redis_loses_no_reminder(journal, workers):
    references = due_text_reminders(20)
    reminders_send_due.delay()  # queued while no worker runs...
    with app.connection_for_write() as broker:
        broker.default_channel.client.flushdb()  # ...and lost with the broker's data
    workers()
    assert not wait_for(all_sent, timeout=2)
    reminders_send_due.delay()  # beat's next tick
    assert wait_for(all_sent, timeout=30)
    assert journal() == Counter(references)


def test_a_beat_tick_delivered_twice_to_two_workers_sends_nothing_twice(journal, workers):
    references = due_text_reminders(60)
    workers(name="first", SMS_JOURNAL_DELAY="0.01")
    workers(name="second", SMS_JOURNAL_DELAY="0.01")
    for _ in range(2):  # two beats (or one restarted) enqueue the same jobs
        reminders_plan.delay()
        reminders_send_due.delay()
    assert wait_for(all_sent, timeout=60)
    assert journal() == Counter(references)
