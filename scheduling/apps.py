from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from clients.signals import client_discharged
        from groups.signals import group_pattern_changed

        from .models import (
            Attendance,
            AttendanceAmendment,
            CalendarFeed,
            ComplianceAlert,
            DropIn,
            NoteAddendum,
            ProgressNote,
            ReminderPreference,
            Session,
            SessionLog,
        )
        from .receivers import cancel_sessions_on_discharge, materialize_on_pattern_change

        # WeeklyCompliance and Reminder are derived or transport state, rewritten by jobs: not audited.
        for model in (
            Attendance,
            AttendanceAmendment,
            CalendarFeed,
            ComplianceAlert,
            DropIn,
            NoteAddendum,
            ReminderPreference,
            Session,
            SessionLog,
        ):
            auditlog.register(model)
        # Linking objectives goes through the m2m manager, which saves no through rows one by one.
        auditlog.register(ProgressNote, m2m_fields={"objectives"})
        client_discharged.connect(cancel_sessions_on_discharge, dispatch_uid="scheduling-discharge")
        group_pattern_changed.connect(
            materialize_on_pattern_change, dispatch_uid="scheduling-materialize"
        )
