"""The session-clients of a span (`session_clients_in_span_sql`, which reminder planning reads) are
exactly the view's rows for the sessions of that span: the bound it adds on the enrollments only
lets the planner skip the ones that ended before the span or start after it."""

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from iop.clock import local_datetime
from scheduling.models import Session
from scheduling.session_clients import session_clients_in_span_sql
from tests.factories import (
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    IndividualSessionFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Row = tuple[int, int, datetime]


def _span_rows(start: datetime, end: datetime, sessions: str = "") -> set[Row]:
    sql = session_clients_in_span_sql(
        start="%(start)s", end="%(end)s", tz="%(tz)s", sessions=sessions
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end, "tz": settings.TIME_ZONE})
        return set(cursor.fetchall())


def _view_rows(start: datetime, end: datetime, sessions: str = "TRUE") -> set[Row]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sc.session_id, sc.client_id, sc.starts_at FROM scheduling_sessionclient sc "
            "JOIN scheduling_session s ON s.id = sc.session_id "
            f"WHERE sc.starts_at >= %(start)s AND sc.starts_at < %(end)s AND ({sessions})",
            {"start": start, "end": end},
        )
        return set(cursor.fetchall())


@pytest.fixture
def clinic_days():
    """A group meeting every day of nine days, at 6 pm and at 11:30 pm (near the local day's end),
    its enrollments ending, starting and voided around those days, and individual sessions."""
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in range(-4, 5)]
    group = GroupFactory(weekdays=list(range(7)), first_date=days[0])
    for day in days:
        SessionFactory(group=group, starts_at=local_datetime(day, time(18, 0)))
        SessionFactory(
            group=group,
            starts_at=local_datetime(day, time(23, 30)),
            ends_at=local_datetime(day, time(23, 59)),
        )
    ended = EnrollmentFactory(group=group, client=ClientFactory(admission_date=days[0]))
    ended.end_date = days[2]
    ended.save()
    EnrollmentFactory(group=group, client=ClientFactory(admission_date=days[6]))
    EnrollmentFactory(group=group, client=ClientFactory(admission_date=days[0]))
    voided = EnrollmentFactory(group=group, client=ClientFactory(admission_date=days[0]))
    voided.voided_at = timezone.now()
    voided.voided_by = UserFactory()
    voided.void_reason = "Entered in the wrong group"
    voided.save()
    alone = ClientFactory(admission_date=days[0])
    for day in days[::2]:
        IndividualSessionFactory(client=alone, starts_at=local_datetime(day, time(10, 0)))
    return days


def test_a_span_has_the_views_rows_for_its_sessions(clinic_days):
    days = clinic_days
    spans = [
        # Whole local days, part of a day, a span ending at a session's start (not included), one
        # starting at a session's start (included), and a span with no session.
        (local_datetime(days[1], time(0, 0)), local_datetime(days[4], time(0, 0))),
        (local_datetime(days[2], time(12, 0)), local_datetime(days[6], time(23, 45))),
        (local_datetime(days[0], time(0, 0)), local_datetime(days[3], time(18, 0))),
        (local_datetime(days[3], time(23, 30)), local_datetime(days[8], time(0, 0))),
        (local_datetime(days[5], time(0, 0)), local_datetime(days[5], time(9, 0))),
    ]
    for start, end in spans:
        assert _span_rows(start, end) == _view_rows(start, end)
    everything = (local_datetime(days[0], time(0, 0)), local_datetime(days[8], time(23, 59)))
    # Every kind of enrollment and the individual sessions are in the comparison.
    assert len({client for _, client, _ in _view_rows(*everything)}) == 4


def test_a_span_keeps_only_the_sessions_asked_for(clinic_days):
    days = clinic_days
    start, end = local_datetime(days[0], time(0, 0)), local_datetime(days[8], time(23, 59))
    # The late group sessions (29 minutes) and the individual ones (50), not the evening groups.
    short = "s.ends_at - s.starts_at < interval '1 hour'"
    rows = _span_rows(start, end, sessions=short)
    assert rows == _view_rows(start, end, sessions=short)
    held = Session.objects.filter(pk__in={session_id for session_id, _, _ in rows})
    assert all(session.ends_at - session.starts_at < timedelta(hours=1) for session in held)
    assert len(rows) < len(_span_rows(start, end))
