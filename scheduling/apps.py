from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Attendance, Session

        for model in (Attendance, Session):
            auditlog.register(model)

        from .models import AttendanceAmendment, DropIn, NoteAddendum, ProgressNote, SessionLog

        for model in (AttendanceAmendment, DropIn, NoteAddendum, SessionLog):
            auditlog.register(model)
        # Linking objectives goes through the m2m manager, which saves no through rows one by one.
        auditlog.register(ProgressNote, m2m_fields={"objectives"})
