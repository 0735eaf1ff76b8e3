"""Sealed snapshots of the in-memory indexes, kept in the database so any worker or host loads
a therapist's index in milliseconds instead of rebuilding it (docs/search.md).

The bytes are the whole in-memory SQLite database (``Connection.serialize()``), sealed with
AES-256-GCM under a key derived from the keyring's primary key by HKDF with a label of its own.
The associated data names the therapist and the journal entry the snapshot is at, so a blob
moved to another therapist, or given another entry's number, fails authentication (a whole
older row put back is accepted: it is an older index, brought up to date from the journal like
any other, erasures included). A stolen database shows the blob's length (about the volume
of the therapist's notes, which row counts show already) and nothing else.

A cache: a snapshot that does not open (another key, tampered, moved) is deleted and the index
rebuilt; none is ever in a backup (backups.manifest); erasing any of the therapist's clients
deletes theirs, and so does key rotation (search/signals.py).
"""

import logging
import os
import struct

from django.db import connection, transaction
from django.utils import timezone

from encryption.errors import EncryptionError
from encryption.keys import get_keyring

from . import journal
from .journal import Position
from .models import SearchSnapshot

logger = logging.getLogger(__name__)

LABEL = "search-snapshot"
MAGIC = b"TNS1"
NONCE_BYTES = 12
HEADER = struct.Struct(">4sH")  # magic, key id


class SnapshotRefused(Exception):
    """A snapshot that must not be used (says why, never what it holds)."""


def _associated_data(header: bytes, therapist_id: int, position: Position) -> bytes:
    return header + f"|therapist={therapist_id}|seq={position.seq}|token={position.token}".encode()


def seal(data: bytes, *, therapist_id: int, position: Position) -> bytes:
    keyring = get_keyring()
    header = HEADER.pack(MAGIC, keyring.primary_id)
    nonce = os.urandom(NONCE_BYTES)
    cipher = keyring.cipher(keyring.primary_id, LABEL)
    associated = _associated_data(header, therapist_id, position)
    return header + nonce + cipher.encrypt(nonce, data, associated)


def open_sealed(blob: bytes, *, therapist_id: int, position: Position) -> bytes:
    """The snapshot's bytes; SnapshotRefused unless sealed under the primary key for this
    therapist at this position, unaltered."""
    blob = memoryview(blob)  # no copy of tens of MB: slices of a view are views
    if len(blob) < HEADER.size + NONCE_BYTES + 16:
        raise SnapshotRefused("truncated")
    header = bytes(blob[: HEADER.size])
    magic, key_id = HEADER.unpack(header)
    keyring = get_keyring()
    if magic != MAGIC:
        raise SnapshotRefused("not a search snapshot")
    if key_id != keyring.primary_id:
        raise SnapshotRefused(f"sealed under key {key_id}, not the primary key")
    nonce = bytes(blob[HEADER.size : HEADER.size + NONCE_BYTES])
    try:
        return keyring.cipher(key_id, LABEL).decrypt(
            nonce,
            blob[HEADER.size + NONCE_BYTES :],
            _associated_data(header, therapist_id, position),
        )
    except (EncryptionError, ValueError, Exception) as error:  # InvalidTag has no message
        raise SnapshotRefused(f"failed authentication ({type(error).__name__})") from None


def save(*, therapist_id: int, position: Position, data: bytes) -> bool:
    """Keep ``data`` as the therapist's snapshot, if it is at the journal's last entry (True).

    Only an index that is up to date is sealed: one built before an erasure and saved after it
    would keep the erased text. The blob is written first, then the journal's counter is locked
    (as writers lock it) and compared, and the two commit together: no write (no erasure, which
    deletes the snapshot in its transaction) commits in between. The counter is locked last and
    without waiting on PostgreSQL, so the therapist's writes never queue behind tens of MB being
    written, and a writer that holds it (an erasure waiting for this row) makes this save give
    up rather than deadlock.
    """
    sealed = seal(data, therapist_id=therapist_id, position=position)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _store_binary(therapist_id, position, sealed)
            else:
                # One INSERT ... ON CONFLICT DO UPDATE: the blob is bound once (an UPDATE that
                # found no row, then an INSERT, bound it twice and kept both in the statement
                # cache).
                SearchSnapshot.objects.bulk_create(
                    [
                        SearchSnapshot(
                            therapist_id=therapist_id,
                            seq=position.seq,
                            token=position.token,
                            sealed=sealed,
                        )
                    ],
                    update_conflicts=True,
                    unique_fields=["therapist"],
                    update_fields=["seq", "token", "sealed", "created_at"],
                )
            if journal.lock_counter(therapist_id, nowait=True) != position.seq:
                raise _Behind
    except (_Behind, journal.CounterBusy):
        return False
    return True


class _Behind(Exception):
    """The journal moved on while the snapshot was written: roll it back."""


# On PostgreSQL the blob travels in psycopg's binary format, through a cursor that binds on the
# server. Django's psycopg backend binds on the client: it would write tens of MB into the SQL
# text as an escaped literal (twice the size) and read them back as hex text to decode (a
# 60,000-note snapshot took 13 s to store that way, 2.5 s so).
TABLE = SearchSnapshot._meta.db_table
STORE_SQL = (
    f"INSERT INTO {TABLE} (therapist_id, seq, token, sealed, created_at) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (therapist_id) DO UPDATE SET "
    "seq = EXCLUDED.seq, token = EXCLUDED.token, sealed = EXCLUDED.sealed, "
    "created_at = EXCLUDED.created_at"
)
LOAD_SQL = f"SELECT seq, token, sealed FROM {TABLE} WHERE therapist_id = %s AND seq > %s"  # noqa: S608


def _server_cursor():
    import psycopg  # only on PostgreSQL

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _store_binary(therapist_id: int, position: Position, sealed: bytes) -> None:
    with _server_cursor() as cursor:
        cursor.execute(
            STORE_SQL, [therapist_id, position.seq, position.token, sealed, timezone.now()]
        )


def _row(therapist_id: int, after_seq: int) -> tuple | None:
    if connection.vendor == "postgresql":
        with _server_cursor() as cursor:
            cursor.execute(LOAD_SQL, [therapist_id, after_seq], binary=True)
            return cursor.fetchone()
    return (
        SearchSnapshot.objects.filter(therapist_id=therapist_id, seq__gt=after_seq)
        .values_list("seq", "token", "sealed")
        .first()
    )


def load(therapist_id: int, *, after_seq: int = -1) -> tuple[Position, bytes] | None:
    """The therapist's snapshot opened, with the entry it is at; None when there is none (or
    none after entry ``after_seq``), or it was refused (then deleted: it is only a cache)."""
    row = _row(therapist_id, after_seq)
    if row is None:
        return None
    position = Position(row[0], row[1])
    try:
        return position, open_sealed(row[2], therapist_id=therapist_id, position=position)
    except SnapshotRefused as refused:
        logger.warning("Search snapshot of therapist %s refused: %s", therapist_id, refused)
        discard(therapist_id)
        return None


def discard(therapist_id: int | None = None) -> int:
    """Delete the therapist's snapshot (every snapshot, with no therapist); how many went."""
    snapshots = SearchSnapshot.objects.all()
    if therapist_id is not None:
        snapshots = snapshots.filter(therapist_id=therapist_id)
    return snapshots.delete()[0]
