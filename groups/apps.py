from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Enrollment, Group, Room

        for model in (Enrollment, Group, Room):
            auditlog.register(model)
