from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _session_clients_view_refresh(*, using: str, **kwargs: object) -> None:
    """Re-create the session-clients view after every migrate, so it follows TIME_ZONE."""
    from .session_clients import session_clients_view_create

    session_clients_view_create(connections[using])


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from clients.signals import authorization_changed, client_discharged, client_weeks_changed
        from groups.signals import group_pattern_changed

        from . import audit
        from .receivers import (
            cancel_sessions_on_discharge,
            follow_authorization,
            materialize_on_pattern_change,
            recompute_client_weeks,
            recompute_unauthorized_attendance,
        )

        # WeeklyCompliance and Reminder are derived or transport state, rewritten by jobs: not audited.
        audit.register()
        post_migrate.connect(
            _session_clients_view_refresh, sender=self, dispatch_uid="scheduling-session-clients"
        )
        client_weeks_changed.connect(recompute_client_weeks, dispatch_uid="scheduling-recompute")
        client_weeks_changed.connect(
            recompute_unauthorized_attendance, dispatch_uid="scheduling-unauthorized-attendance"
        )
        authorization_changed.connect(follow_authorization, dispatch_uid="scheduling-authorization")
        client_discharged.connect(cancel_sessions_on_discharge, dispatch_uid="scheduling-discharge")
        group_pattern_changed.connect(
            materialize_on_pattern_change, dispatch_uid="scheduling-materialize"
        )
