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
