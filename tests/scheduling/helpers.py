"""Helpers for the attendance and notes tests."""

from datetime import timedelta

from django.utils import timezone

from iop.clock import day_bounds
from scheduling.models import SessionLog
from scheduling.services.attendance import AttendanceEntry, attendance_record
from tests.factories import SessionFactory


def session_in_progress(**kwargs):
    """A 3-hour session of today that started an hour ago, or at midnight when that was less than
    an hour ago (the tests expect it on today's pages whatever the hour they run)."""
    now = timezone.now()
    starts_at = max(now - timedelta(hours=1), day_bounds(timezone.localdate())[0])
    return SessionFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=3), **kwargs)


def current_version(session) -> int:
    return (
        SessionLog.objects.filter(session=session)
        .values_list("attendance_version", flat=True)
        .first()
        or 0
    )


def record(session, by, *rows, version=None, reason=""):
    """Save (client, status, minutes) rows the way the attendance sheet does."""
    return attendance_record(
        session=session,
        actor=by,
        entries=[AttendanceEntry(client.pk, status, minutes) for client, status, minutes in rows],
        expected_version=current_version(session) if version is None else version,
        amendment_reason=reason,
    )
