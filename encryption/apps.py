from django.apps import AppConfig


class EncryptionConfig(AppConfig):
    name = "encryption"
    verbose_name = "Field encryption"

    def ready(self) -> None:
        from . import checks

        # Every start refuses a bad keyring, not only `manage.py check` and runserver (gunicorn
        # runs no system checks): a missing, malformed, weak or example key, or a key file other
        # users can read. manage.py prints the KeyConfigurationError as one line.
        checks.require_valid_keyring()
