"""How sessions, attendance and notes read in the audit trail (`iop.audit`), registered in
`ready()`."""

from django.utils import timezone

from iop import clock
from iop.audit import CLIENT, audit_reads_register, audit_register

from . import models


def session_text(session: models.Session) -> str:
    """ "the group session of Mon Nov 23" (with the year when it is not this year's)."""
    day = timezone.localdate(session.starts_at)
    when = f"{day:%a %b %-d}" if day.year == clock.today().year else f"{day:%a %b %-d %Y}"
    return f"the {session.get_session_type_display().lower()} session of {when}"


def register() -> None:
    audit_register(
        models.Session,
        record=lambda row: session_text(row) + (f" of {CLIENT}" if row.client_id else ""),
        client=lambda row: row.client_id,
    )
    audit_register(
        models.SessionLog,
        record=lambda row: f"the log of {session_text(row.session)}",
        client=lambda row: None,
    )
    audit_register(
        models.Attendance,
        record=lambda row: f"the attendance of {CLIENT} at {session_text(row.session)}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.AttendanceAmendment,
        record=lambda row: f"an amendment of the attendance at {session_text(row.session)}",
        client=lambda row: None,
    )
    audit_register(
        models.DropIn,
        record=lambda row: f"the drop-in of {CLIENT} at {session_text(row.session)}",
        client=lambda row: row.client_id,
        created="added",
    )
    audit_register(
        models.ProgressNote,
        record=lambda row: f"the progress note of {CLIENT} for {session_text(row.session)}",
        client=lambda row: row.client_id,
        events={"signed_at": "signed"},
        # Linking objectives goes through the m2m manager, which saves no through rows one by one.
        m2m_fields={"objectives"},
    )
    audit_register(
        models.NoteAddendum,
        record=lambda row: (
            f"an addendum to the progress note of {CLIENT} for {session_text(row.note.session)}"
        ),
        client=lambda row: row.note.client_id,
        created="signed",
    )
    audit_register(
        models.CalendarFeed,
        record=lambda row: f"the calendar feed of {row.user}",
        client=lambda row: None,
        events={"revoked_at": "revoked"},
    )
    audit_register(
        models.ComplianceAlert,
        record=lambda row: f"the hours alert of {CLIENT} for the week of {row.week_start:%b %-d}",
        client=lambda row: row.client_id,
        events={"resolved_at": "resolved"},
    )
    audit_register(
        models.ReminderPreference,
        record=lambda row: f"the reminder preferences of {CLIENT}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.ClinicClosure,
        record=lambda row: f'the clinic closure "{row.label}" from {row.first_day:%b %-d, %Y}',
        client=lambda row: None,
        events={"withdrawn_at": "withdrew"},
    )
    audit_register(
        models.SessionSeries,
        record=lambda row: f"a series of individual sessions of {CLIENT}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.UtilizationReview,
        record=lambda row: (
            f"the utilization review of authorization {row.authorization.number} of {CLIENT}"
        ),
        client=lambda row: row.client_id,
        created="opened",
        events={"resolved_at": "resolved"},
    )
    audit_reads_register(
        {
            "weekly hours": f"the weekly hours of {CLIENT}",
            "payer authorizations": f"the payer authorizations of {CLIENT}",
            "utilization review list": f"the utilization review list, showing {CLIENT}",
            "authorizations export": f"the authorizations (CSV), with {CLIENT}",
            "weekly hours report": f"the weekly hours report, showing {CLIENT}",
            "weekly hours export": f"the weekly hours report (CSV), with {CLIENT}",
            "compliance alert": f"an hours alert of {CLIENT}",
            "sessions, hours and notes": f"the sessions, hours and notes of {CLIENT}",
            "session attendance": f"the attendance sheet with {CLIENT}",
            "progress note": f"a progress note of {CLIENT}",
        }
    )
