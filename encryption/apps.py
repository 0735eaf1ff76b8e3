from django.apps import AppConfig


class EncryptionConfig(AppConfig):
    name = "encryption"
    verbose_name = "Field encryption"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the key check)
