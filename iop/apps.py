from django.apps import AppConfig


class IopConfig(AppConfig):
    name = "iop"
    verbose_name = "IOP clinic"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import idle_clock_start

        user_logged_in.connect(idle_clock_start, dispatch_uid="idle_clock_start")
