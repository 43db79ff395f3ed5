from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo clinic and the synthetic clinic for benchmarks: installed only when wanted."""

    name = "demo"
    verbose_name = "Demo clinic"
