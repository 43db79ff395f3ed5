"""The shared factories build rows the database constraints accept."""

from scheduling.models import AttendanceStatus, SessionType
from tests.factories import AttendanceFactory, EnrollmentFactory, SessionFactory


def test_group_session_attendance_and_enrollment_factories_build_valid_rows(alice):
    enrollment = EnrollmentFactory(client=alice)
    session = SessionFactory(group=enrollment.group)
    present = AttendanceFactory(session=session, client=alice)
    assert present.minutes_attended == session.length_minutes == 180
    absent = AttendanceFactory(session=session, status=AttendanceStatus.ABSENT)
    assert absent.minutes_attended == 0


def test_individual_session_factory(alice):
    session = SessionFactory(session_type=SessionType.INDIVIDUAL, group=None, client=alice)
    assert session.clinician.is_clinician
    assert session.is_telehealth
