from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Attendance, ComplianceAlert, ReminderPreference, Session

        # WeeklyCompliance and Reminder are derived or transport state, rewritten by jobs: not audited.
        for model in (Attendance, Session, ComplianceAlert, ReminderPreference):
            auditlog.register(model)
