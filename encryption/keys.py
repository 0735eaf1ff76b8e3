"""The keyring: key ids mapped to 256-bit master keys, read from the environment.

``FIELD_ENCRYPTION_KEYS="2:<base64>,1:<base64>"`` (the first key is primary, used for new
writes; the others only decrypt), or ``FIELD_ENCRYPTION_KEY_FILE`` naming a file that holds the
same text. Keys are deliberately independent of ``SECRET_KEY``: rotating the session secret must
never touch clinical data.
"""

import base64
import binascii
import functools
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import KeyConfigurationError, UnknownKeyError

KEY_BYTES = 32
MAX_KEY_ID = 0xFFFF
_HKDF_SALT = b"therapy-notes field encryption v1"

# Keys printed in documentation (docs/keys.md, README) or otherwise public: a key copied from
# an example protects nothing. Base64 texts, compared after decoding.
KNOWN_EXAMPLE_KEYS = frozenset(
    base64.b64decode(text)
    for text in (
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # 32 zero bytes
        "ayDj/gy/Q2OeEJIK/LrcZeuI4gJNWnGnB3m1GpxT1hs=",  # docs/keys.md, key id 1
        "AYYe9WT+ZyQkXKeLXGYXQQpKjuABa3wRajkLt007Iq8=",  # docs/keys.md, key id 2
    )
)
# 32 random bytes practically always hold 25 or more distinct values; fewer than this many is
# a pattern (one byte repeated, "abcdabcd...") rather than a random key.
MIN_DISTINCT_BYTES = 8


@dataclass
class Keyring:
    primary_id: int
    keys: dict[int, bytes]
    _ciphers: dict[tuple[int, str], AESGCM] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:  # never print key material
        return f"Keyring(primary_id={self.primary_id}, ids={sorted(self.keys)})"

    def cipher(self, key_id: int, label: str) -> AESGCM:
        """The AES-GCM cipher for one field label under one key (HKDF subkey, cached)."""
        cached = self._ciphers.get((key_id, label))
        if cached is not None:
            return cached
        try:
            master = self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(
                f"Encrypted value uses key id {key_id}, which is not in FIELD_ENCRYPTION_KEYS "
                f"(configured ids: {', '.join(map(str, sorted(self.keys)))})."
            ) from None
        subkey = HKDF(
            algorithm=hashes.SHA256(),
            length=KEY_BYTES,
            salt=_HKDF_SALT,
            info=label.encode(),
        ).derive(master)
        cipher = AESGCM(subkey)
        self._ciphers[(key_id, label)] = cipher
        return cipher


def parse_keyring(text: str, source: str) -> Keyring:
    """Parse ``id:base64key`` pairs separated by commas or newlines; first is primary."""
    entries = [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
    if not entries:
        raise KeyConfigurationError(f"{source} is empty: it must hold at least one key.")
    keys: dict[int, bytes] = {}
    for position, entry in enumerate(entries, start=1):
        key_id_text, sep, key_text = entry.partition(":")
        if not sep:
            raise KeyConfigurationError(
                f"{source}: key {position} is not in the form <id>:<base64 key>."
            )
        try:
            key_id = int(key_id_text)
        except ValueError:
            raise KeyConfigurationError(
                f"{source}: key {position} has a non-numeric id {key_id_text!r}."
            ) from None
        if not 1 <= key_id <= MAX_KEY_ID:
            raise KeyConfigurationError(f"{source}: key id {key_id} is outside 1-{MAX_KEY_ID}.")
        if key_id in keys:
            raise KeyConfigurationError(f"{source}: key id {key_id} appears twice.")
        try:
            key = base64.b64decode(key_text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyConfigurationError(f"{source}: key id {key_id} is not valid base64.") from None
        if len(key) != KEY_BYTES:
            raise KeyConfigurationError(
                f"{source}: key id {key_id} is {len(key)} bytes; it must be {KEY_BYTES} bytes "
                "(256 bits)."
            )
        keys[key_id] = key
    primary_id = int(entries[0].partition(":")[0])
    return Keyring(primary_id=primary_id, keys=keys)


def check_key_strength(keyring: Keyring, source: str) -> None:
    """Refuse example keys and keys that are obviously not random (never print the key)."""
    for key_id, key in keyring.keys.items():
        if key in KNOWN_EXAMPLE_KEYS:
            raise KeyConfigurationError(
                f"{source}: key id {key_id} is a published example key; generate your own "
                "(see docs/keys.md)."
            )
        if len(set(key)) < MIN_DISTINCT_BYTES:
            raise KeyConfigurationError(
                f"{source}: key id {key_id} is not random (only {len(set(key))} distinct byte "
                "values); generate a key with generate_key_line (see docs/keys.md)."
            )


def check_key_file_mode(path: Path) -> None:
    """Refuse a key file that users other than its owner can read or write."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyConfigurationError(
            f"FIELD_ENCRYPTION_KEY_FILE {path} is accessible to other users (mode "
            f"{mode:04o}); run: chmod 600 {path}"
        )


def load_keyring_from_settings() -> Keyring:
    from django.conf import settings

    inline = getattr(settings, "FIELD_ENCRYPTION_KEYS", "") or ""
    key_file = getattr(settings, "FIELD_ENCRYPTION_KEY_FILE", "") or ""
    if inline:
        keyring = parse_keyring(inline, "FIELD_ENCRYPTION_KEYS")
        check_key_strength(keyring, "FIELD_ENCRYPTION_KEYS")
        return keyring
    if key_file:
        path = Path(key_file)
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            raise KeyConfigurationError(
                f"FIELD_ENCRYPTION_KEY_FILE names {path}, which does not exist."
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyConfigurationError(
                f"FIELD_ENCRYPTION_KEY_FILE {path} cannot be read ({exc.__class__.__name__})."
            ) from None
        source = f"FIELD_ENCRYPTION_KEY_FILE {path}"
        keyring = parse_keyring(text, source)
        check_key_file_mode(path)
        check_key_strength(keyring, source)
        return keyring
    raise KeyConfigurationError(
        "No field-encryption key: set FIELD_ENCRYPTION_KEYS or FIELD_ENCRYPTION_KEY_FILE."
    )


@functools.cache
def get_keyring() -> Keyring:
    return load_keyring_from_settings()


def reset_keyring() -> None:
    """Forget the cached keyring (tests and settings changes)."""
    get_keyring.cache_clear()


def generate_key_line(key_id: int = 1) -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def write_key_file(path: Path, key_id: int = 1) -> None:
    """Create a new key file readable by its owner only; never overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(generate_key_line(key_id) + "\n")
