from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "integrity"
    verbose_name = "Record integrity"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
