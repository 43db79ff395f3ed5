from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Client, ProgramTrack

        auditlog.register(Client)
        auditlog.register(ProgramTrack)
