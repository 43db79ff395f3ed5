from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from clients.signals import client_discharged

        from .models import Enrollment, Group, Room
        from .receivers import end_enrollments_on_discharge

        for model in (Enrollment, Group, Room):
            auditlog.register(model)
        client_discharged.connect(end_enrollments_on_discharge, dispatch_uid="groups-discharge")
