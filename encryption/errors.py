"""Errors raised by field encryption. Each names what went wrong, never the data."""

from django.core.exceptions import ImproperlyConfigured


class EncryptionError(Exception):
    """Base class: encrypted data could not be handled safely."""


class KeyConfigurationError(EncryptionError, ImproperlyConfigured):
    """The keyring is missing or malformed."""


class UnknownKeyError(EncryptionError):
    """A stored value names a key id that is not in the keyring."""


class DecryptionError(EncryptionError):
    """A stored value failed authentication: tampered, moved to another row or field,
    or encrypted under a different key with the same id."""


class MalformedCiphertextError(EncryptionError):
    """A stored value is truncated or not in the envelope format at all."""


class PlaintextQueryError(EncryptionError, TypeError):
    """Plaintext was used in a database lookup or update on an encrypted field."""


class RecordIntegrityError(EncryptionError):
    """A stored record does not match its integrity record: it was rolled back, unsigned,
    moved, deleted, restored after erasure or inserted outside the application."""
