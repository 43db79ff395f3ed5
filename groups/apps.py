from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"

    def ready(self) -> None:
        from clients.signals import client_discharged

        from . import audit
        from .receivers import end_enrollments_on_discharge

        audit.register()
        client_discharged.connect(end_enrollments_on_discharge, dispatch_uid="groups-discharge")
