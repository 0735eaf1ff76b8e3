"""The keyed digest of one stored row, and the mac of one ledger entry.

Both are HMAC-SHA256 under keys derived from the audit key (audit.keys.derived_key): without
that key a ledger entry cannot be forged, and a digest cannot be used to test a guess of a
row's content. The row is hashed column by column in name order (name, tagged value, both
with their lengths), each value typed so that SQLite and PostgreSQL give the same bytes for the
same row.
"""

import datetime
import decimal
import hmac
import json
import struct
import uuid
from hashlib import sha256

from audit.keys import derived_key

ROW_FORMAT = "row-v1"
_LENGTHS = struct.Struct(">HI")
ENTRY_FORMAT = "seal-v1"


def row_key() -> bytes:
    return derived_key(b"therapy-notes row digest v1")


def chain_key() -> bytes:
    return derived_key(b"therapy-notes row seal chain v1")


def _typed(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return "b:" + bytes(value).hex()
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return "dt:" + value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return "d:" + value.isoformat()
    if isinstance(value, datetime.time):
        return "t:" + value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal | float):
        return "n:" + str(value)
    raise TypeError(f"No canonical form for a stored {type(value).__name__}.")


def _encoded(value) -> bytes:
    """One stored value as tagged bytes (the same value gives the same bytes on either
    database, as Django's converters return it)."""
    fast = _FAST.get(type(value))
    if fast is not None:
        return fast(value)
    if isinstance(value, bytes | bytearray | memoryview):  # Sealed, memoryview
        return b"b" + bytes(value)
    return b"v" + str(_typed(value)).encode()


_FAST = {
    type(None): lambda value: b"n",
    bool: lambda value: b"?1" if value else b"?0",
    int: lambda value: b"i" + str(value).encode(),
    str: lambda value: b"s" + value.encode(),
    bytes: lambda value: b"b" + value,
    uuid.UUID: lambda value: b"v" + str(value).encode(),
}


def row_digest(label: str, row: dict, key: bytes | None = None) -> str:
    """HMAC-SHA256 over the row's columns in name order, each as name and value with their
    lengths (so no two rows share an encoding)."""
    parts = [ROW_FORMAT.encode() + b"\0" + label.encode()]
    for name in sorted(row):
        data = _encoded(row[name])
        parts.append(_LENGTHS.pack(len(name), len(data)) + name.encode() + data)
    return hmac.digest(key or row_key(), b"".join(parts), "sha256").hex()


SIGNED_FIELDS = (
    "seq",
    "at",
    "label",
    "row_id",
    "parent_id",
    "row_version",
    "kind",
    "state",
    "digest",
)


def entry_mac(values: dict, prev_mac: str, key: bytes | None = None) -> str:
    fields = [_typed(values[name]) if name == "at" else values[name] for name in SIGNED_FIELDS]
    data = json.dumps([ENTRY_FORMAT, *fields, prev_mac], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key or chain_key(), data.encode(), sha256).hexdigest()


def same(stored: str, expected: str) -> bool:
    return hmac.compare_digest(str(stored).encode(), expected.encode())
