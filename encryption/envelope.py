"""The stored form of an encrypted value.

    version (1 byte) | key id (2 bytes, big-endian) | nonce (12 bytes) | ciphertext + GCM tag

The associated data binds a value to where it lives: version, key id, the field's label
("app.model.field"), the row's primary key and (version 2) the row's parent, such as the client
of a session or the session of a process note. Copying a ciphertext to another row or column,
or moving its row to another parent, therefore fails to decrypt, as does any flipped bit. The
plaintext is padded to a multiple of 16 bytes (0x80 then zeros) so that short values such as a
risk level do not reveal themselves by their length.

Version 1 (no parent) is what was written before parents were bound. It is opened only inside
``reading_unbound_values()``, which the migration that re-encrypts every value uses; anywhere
else a version 1 value is refused, so an old ciphertext written back from before the upgrade
cannot be used to move a record.
"""

import contextvars
import os
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from cryptography.exceptions import InvalidTag

from .errors import DecryptionError, MalformedCiphertextError
from .keys import Keyring, get_keyring

VERSION = 2
UNBOUND_VERSION = 1
HEADER = struct.Struct(">BH")
NONCE_BYTES = 12
TAG_BYTES = 16
PAD_BLOCK = 16
MIN_LENGTH = HEADER.size + NONCE_BYTES + PAD_BLOCK + TAG_BYTES


_unbound_allowed = contextvars.ContextVar("unbound_allowed", default=False)


@contextmanager
def reading_unbound_values() -> Iterator[None]:
    """Let ``open_sealed`` accept version 1 values (the binding migration only)."""
    token = _unbound_allowed.set(True)
    try:
        yield
    finally:
        _unbound_allowed.reset(token)


def _associated_data(header: bytes, label: str, row_id: str, binding: str | None) -> bytes:
    label_bytes = label.encode()
    data = header + struct.pack(">H", len(label_bytes)) + label_bytes
    if binding is None:  # version 1
        return data + row_id.encode()
    row_bytes, binding_bytes = row_id.encode(), binding.encode()
    return (
        data
        + struct.pack(">H", len(row_bytes))
        + row_bytes
        + struct.pack(">H", len(binding_bytes))
        + binding_bytes
    )


def _pad(data: bytes) -> bytes:
    padded_length = (len(data) // PAD_BLOCK + 1) * PAD_BLOCK
    return data + b"\x80" + b"\x00" * (padded_length - len(data) - 1)


def _unpad(data: bytes) -> bytes:
    end = data.rfind(b"\x80")
    if end < 0 or data[end + 1 :].strip(b"\x00"):
        raise DecryptionError("Decrypted value has invalid padding.")
    return data[:end]


def seal(
    plaintext: bytes,
    *,
    label: str,
    row_id: str,
    binding: str = "",
    keyring: Keyring | None = None,
) -> bytes:
    """Encrypt ``plaintext`` for one field of one row (and its parent) under the primary key."""
    return _seal(plaintext, VERSION, label, row_id, binding, keyring)


def seal_unbound(
    plaintext: bytes, *, label: str, row_id: str, keyring: Keyring | None = None
) -> bytes:
    """A version 1 value, for migrations written before parents were bound (they run before
    the binding migration, which re-encrypts what they write)."""
    return _seal(plaintext, UNBOUND_VERSION, label, row_id, None, keyring)


def _seal(plaintext, version, label, row_id, binding, keyring) -> bytes:
    keyring = keyring or get_keyring()
    key_id = keyring.primary_id
    header = HEADER.pack(version, key_id)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = keyring.cipher(key_id, label).encrypt(
        nonce, _pad(plaintext), _associated_data(header, label, row_id, binding)
    )
    return header + nonce + ciphertext


def key_id_of(blob: bytes) -> int:
    """The key id a stored value was written with (for rotation and censuses)."""
    if len(blob) < HEADER.size:
        raise MalformedCiphertextError("Encrypted value is truncated (no header).")
    return HEADER.unpack_from(blob)[1]


def version_of(blob: bytes) -> int:
    if len(blob) < HEADER.size:
        raise MalformedCiphertextError("Encrypted value is truncated (no header).")
    return HEADER.unpack_from(blob)[0]


def open_sealed(
    blob: bytes,
    *,
    label: str,
    row_id: str,
    binding: str = "",
    keyring: Keyring | None = None,
) -> bytes:
    """Decrypt a stored value; raise a specific error rather than ever return ciphertext."""
    keyring = keyring or get_keyring()
    if len(blob) < MIN_LENGTH:
        raise MalformedCiphertextError(
            f"Encrypted value for {label} is truncated ({len(blob)} bytes; at least "
            f"{MIN_LENGTH} expected)."
        )
    version, key_id = HEADER.unpack_from(blob)
    if version == UNBOUND_VERSION and not _unbound_allowed.get():
        raise DecryptionError(
            f"Encrypted value for {label} on row {row_id} is in the old format without its "
            "parent: values are re-encrypted by `manage.py migrate`, so this one was written "
            "back from before the upgrade."
        )
    if version not in (VERSION, UNBOUND_VERSION):
        raise MalformedCiphertextError(
            f"Encrypted value for {label} has unknown envelope version {version}."
        )
    if version == UNBOUND_VERSION:
        binding = None
    header = blob[: HEADER.size]
    nonce = blob[HEADER.size : HEADER.size + NONCE_BYTES]
    ciphertext = blob[HEADER.size + NONCE_BYTES :]
    cipher = keyring.cipher(key_id, label)
    try:
        padded = cipher.decrypt(nonce, ciphertext, _associated_data(header, label, row_id, binding))
    except InvalidTag:
        raise DecryptionError(
            f"Encrypted value for {label} on row {row_id} failed authentication: it was "
            "altered, moved from another row, field or parent record, or key id "
            f"{key_id} is not the key it was written with."
        ) from None
    return _unpad(padded)


def open_many(
    values: Iterable[tuple[bytes, str, str]], *, label: str, keyring: Keyring | None = None
) -> list[bytes]:
    """``open_sealed`` over many ``(blob, row id, binding)`` values of one field, with the same
    checks and errors: the label's part of the associated data, each binding's and the cipher
    are made once rather than once per value (a search index build opens 140,000). Anything but
    a well-formed current-version value goes through ``open_sealed`` itself."""
    keyring = keyring or get_keyring()
    label_bytes = label.encode()
    label_part = struct.pack(">H", len(label_bytes)) + label_bytes
    ciphers: dict[int, object] = {}
    bindings: dict[str, bytes] = {}
    body = HEADER.size + NONCE_BYTES
    opened = []
    for blob, row_id, binding in values:
        if len(blob) < MIN_LENGTH or blob[0] != VERSION:
            opened.append(
                open_sealed(blob, label=label, row_id=row_id, binding=binding, keyring=keyring)
            )
            continue
        key_id = HEADER.unpack_from(blob)[1]
        cipher = ciphers.get(key_id)
        if cipher is None:
            cipher = ciphers[key_id] = keyring.cipher(key_id, label)
        binding_part = bindings.get(binding)
        if binding_part is None:
            encoded = binding.encode()
            binding_part = bindings[binding] = struct.pack(">H", len(encoded)) + encoded
        row_bytes = row_id.encode()
        associated = (
            blob[: HEADER.size]
            + label_part
            + struct.pack(">H", len(row_bytes))
            + row_bytes
            + binding_part
        )
        try:
            padded = cipher.decrypt(blob[HEADER.size : body], blob[body:], associated)
        except InvalidTag:
            raise DecryptionError(
                f"Encrypted value for {label} on row {row_id} failed authentication: it was "
                "altered, moved from another row, field or parent record, or key id "
                f"{key_id} is not the key it was written with."
            ) from None
        opened.append(_unpad(padded))
    return opened
