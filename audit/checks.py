import hmac

from django.core import checks

from encryption.errors import KeyConfigurationError
from encryption.keys import load_keyring_from_settings

from .keys import AuditKeyError, load_audit_key_from_settings


@checks.register(checks.Tags.security)
def check_audit_key(app_configs, **kwargs):
    try:
        key = load_audit_key_from_settings()
    except AuditKeyError as exc:
        return [checks.Error(str(exc), id="audit.E001")]
    try:
        field_keys = load_keyring_from_settings().keys.values()
    except KeyConfigurationError:
        field_keys = []  # reported by encryption.E001
    if any(hmac.compare_digest(key, field_key) for field_key in field_keys):
        return [
            checks.Error(
                "The audit key is one of the field-encryption keys; it must be a key of its own.",
                hint='Generate one with: python -c "from audit.keys import generate_audit_key '
                'as g; print(g())"',
                id="audit.E002",
            )
        ]
    return []
