"""Co-facilitators saving one session's attendance at the same moment, on real Postgres threads."""

import threading

import pytest
from django.db import connection

from scheduling.models import Attendance, AttendanceStatus, SessionLog
from scheduling.services.attendance import AttendanceConflict
from tests.factories import EnrollmentFactory, GroupFactory
from tests.scheduling.helpers import current_version, record, session_in_progress

SAVES = 20


@pytest.fixture
def busy_session(transactional_db, clinician):
    group = GroupFactory(facilitators=[clinician], capacity=SAVES)
    clients = [EnrollmentFactory(group=group).client for _ in range(SAVES)]
    return session_in_progress(group=group), clients


def run_at_once(work, count):
    """Start `count` threads that call work(i) together; return what each raised (or None)."""
    start = threading.Barrier(count)
    outcomes = [None] * count

    def thread(i):
        try:
            start.wait()
            work(i)
        except Exception as error:
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=thread, args=(i,)) for i in range(count)]
    for each in threads:
        each.start()
    for each in threads:
        each.join()
    return outcomes


def test_twenty_saves_from_the_same_loaded_sheet_keep_one_and_tell_the_others_to_reload(
    busy_session, clinician
):
    session, clients = busy_session

    def save(i):
        record(session, clinician, (clients[i], AttendanceStatus.PRESENT, 180), version=0)

    outcomes = run_at_once(save, SAVES)
    refused = [error for error in outcomes if error is not None]
    assert len(refused) == SAVES - 1
    assert all(isinstance(error, AttendanceConflict) for error in refused)
    assert Attendance.objects.filter(session=session).count() == 1
    assert current_version(session) == 1


def test_twenty_saves_that_reload_when_told_all_land(busy_session, clinician):
    session, clients = busy_session

    def save_until_accepted(i):
        while True:
            try:
                record(session, clinician, (clients[i], AttendanceStatus.PRESENT, 180))
                return
            except AttendanceConflict:
                continue

    assert run_at_once(save_until_accepted, SAVES) == [None] * SAVES
    assert Attendance.objects.filter(session=session).count() == SAVES
    assert SessionLog.objects.get(session=session).attendance_version == SAVES
