"""The audit-chain key: 32 random bytes, base64, from ``AUDIT_HMAC_KEY`` or the file named by
``AUDIT_HMAC_KEY_FILE``.

Deliberately independent of ``SECRET_KEY`` and of the field-encryption keys: whoever holds one of
those must still not be able to rewrite the audit log undetected.
"""

import base64
import binascii
import functools
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32


class AuditKeyError(ImproperlyConfigured):
    """The audit key is missing or malformed. The message names the variable, never the key."""


def parse_audit_key(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"{source} is not valid base64.") from None
    if len(key) != KEY_BYTES:
        raise AuditKeyError(
            f"{source} is {len(key)} bytes; it must be {KEY_BYTES} random bytes, base64-encoded."
        )
    return key


def load_audit_key_from_settings() -> bytes:
    from django.conf import settings

    inline = getattr(settings, "AUDIT_HMAC_KEY", "") or ""
    key_file = getattr(settings, "AUDIT_HMAC_KEY_FILE", "") or ""
    if inline:
        return parse_audit_key(inline, "AUDIT_HMAC_KEY")
    if key_file:
        path = Path(key_file)
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            raise AuditKeyError(
                f"AUDIT_HMAC_KEY_FILE names {path}, which does not exist."
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditKeyError(
                f"AUDIT_HMAC_KEY_FILE {path} cannot be read ({exc.__class__.__name__})."
            ) from None
        return parse_audit_key(text, f"AUDIT_HMAC_KEY_FILE {path}")
    raise AuditKeyError("No audit key: set AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE.")


@functools.cache
def get_audit_key() -> bytes:
    return load_audit_key_from_settings()


@functools.lru_cache(maxsize=16)
def _derive(audit_key: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(audit_key)


def derived_key(info: bytes) -> bytes:
    """An integrity key derived from the audit key with HKDF-SHA256 (one ``info`` per use)."""
    return _derive(get_audit_key(), info)


def record_seal_key() -> bytes:
    """Key for the content seal of signed notes and addenda: derived from the audit key, so
    that integrity (not confidentiality) keys stay together, and a stolen database cannot be
    used to confirm guesses about a short note's text."""
    return derived_key(b"therapy-notes record seal v1")


def lockout_username_key() -> bytes:
    """Key for the keyed hash that stands for a typed username in django-axes' tables
    (accounts.lockout.username_digest). Derived from the audit key, never from SECRET_KEY
    alone: whoever reads the database or a backup cannot test guesses against it."""
    return derived_key(b"therapy-notes lockout username v1")


def reset_audit_key() -> None:
    """Forget the cached key (tests and settings changes)."""
    get_audit_key.cache_clear()


def forget_key_on_setting_change(*, setting: str, **kwargs) -> None:
    """``setting_changed`` receiver: ``override_settings`` of the key takes effect at once."""
    if setting in {"AUDIT_HMAC_KEY", "AUDIT_HMAC_KEY_FILE"}:
        reset_audit_key()


def generate_audit_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def write_audit_key_file(path: Path) -> None:
    """Create a new key file readable by its owner only; never overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(generate_audit_key() + "\n")
