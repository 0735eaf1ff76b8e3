"""The stored form of an encrypted value.

    version (1 byte) | key id (2 bytes, big-endian) | nonce (12 bytes) | ciphertext + GCM tag

The associated data binds a value to where it lives: version, key id, the field's label
("app.model.field") and the row's primary key. Copying a ciphertext to another row or column
therefore fails to decrypt, as does any flipped bit. The plaintext is padded to a multiple of
16 bytes (0x80 then zeros) so that short values such as a risk level do not reveal themselves
by their length.
"""

import os
import struct

from cryptography.exceptions import InvalidTag

from .errors import DecryptionError, MalformedCiphertextError
from .keys import Keyring, get_keyring

VERSION = 1
HEADER = struct.Struct(">BH")
NONCE_BYTES = 12
TAG_BYTES = 16
PAD_BLOCK = 16
MIN_LENGTH = HEADER.size + NONCE_BYTES + PAD_BLOCK + TAG_BYTES


def _associated_data(header: bytes, label: str, row_id: str) -> bytes:
    label_bytes = label.encode()
    return header + struct.pack(">H", len(label_bytes)) + label_bytes + row_id.encode()


def _pad(data: bytes) -> bytes:
    padded_length = (len(data) // PAD_BLOCK + 1) * PAD_BLOCK
    return data + b"\x80" + b"\x00" * (padded_length - len(data) - 1)


def _unpad(data: bytes) -> bytes:
    end = data.rfind(b"\x80")
    if end < 0 or data[end + 1 :].strip(b"\x00"):
        raise DecryptionError("Decrypted value has invalid padding.")
    return data[:end]


def seal(plaintext: bytes, *, label: str, row_id: str, keyring: Keyring | None = None) -> bytes:
    """Encrypt ``plaintext`` for one field of one row under the primary key."""
    keyring = keyring or get_keyring()
    key_id = keyring.primary_id
    header = HEADER.pack(VERSION, key_id)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = keyring.cipher(key_id, label).encrypt(
        nonce, _pad(plaintext), _associated_data(header, label, row_id)
    )
    return header + nonce + ciphertext


def key_id_of(blob: bytes) -> int:
    """The key id a stored value was written with (for rotation and censuses)."""
    if len(blob) < HEADER.size:
        raise MalformedCiphertextError("Encrypted value is truncated (no header).")
    return HEADER.unpack_from(blob)[1]


def open_sealed(blob: bytes, *, label: str, row_id: str, keyring: Keyring | None = None) -> bytes:
    """Decrypt a stored value; raise a specific error rather than ever return ciphertext."""
    keyring = keyring or get_keyring()
    if len(blob) < MIN_LENGTH:
        raise MalformedCiphertextError(
            f"Encrypted value for {label} is truncated ({len(blob)} bytes; at least "
            f"{MIN_LENGTH} expected)."
        )
    version, key_id = HEADER.unpack_from(blob)
    if version != VERSION:
        raise MalformedCiphertextError(
            f"Encrypted value for {label} has unknown envelope version {version}."
        )
    header = blob[: HEADER.size]
    nonce = blob[HEADER.size : HEADER.size + NONCE_BYTES]
    ciphertext = blob[HEADER.size + NONCE_BYTES :]
    cipher = keyring.cipher(key_id, label)
    try:
        padded = cipher.decrypt(nonce, ciphertext, _associated_data(header, label, row_id))
    except InvalidTag:
        raise DecryptionError(
            f"Encrypted value for {label} on row {row_id} failed authentication: it was "
            f"altered, moved from another row or field, or key id {key_id} is not the key it "
            "was written with."
        ) from None
    return _unpad(padded)
