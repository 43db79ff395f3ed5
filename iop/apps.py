from django.apps import AppConfig


class IopConfig(AppConfig):
    name = "iop"
    verbose_name = "IOP clinic"
