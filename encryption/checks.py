from django.core import checks

from .errors import KeyConfigurationError
from .keys import load_keyring_from_settings


@checks.register(checks.Tags.security)
def check_field_encryption_keys(app_configs, **kwargs):
    try:
        load_keyring_from_settings()
    except KeyConfigurationError as exc:
        return [checks.Error(str(exc), id="encryption.E001")]
    return []


def require_valid_keyring() -> None:
    """Raise the keyring problem as one line naming check encryption.E001 (used at startup)."""
    try:
        load_keyring_from_settings()
    except KeyConfigurationError as exc:
        raise KeyConfigurationError(f"encryption.E001: {exc}") from None
