"""The change journal: what each therapist's index must catch up with (docs/search.md).

A write appends, in its own transaction, one entry per session it touched (or one for a whole
client, when a record is erased or the client moves to another therapist: then in both
therapists' journals): ids and a sequence number, no content. An index remembers
the entry it is at, and a refresh reads the entries after it, so it costs what changed: one
row when nothing did.

The sequence is a per-therapist counter (``IndexGeneration.value``) raised by an UPDATE in the
writer's transaction, whose row lock is held to its commit: a therapist's entries commit in
the order of their numbers, so a reader never sees entry N + 1 before N. A rolled-back write
rolls its number back too, so the numbers have no gaps.
"""

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce

from .models import IndexGeneration, SearchChange

# Entries kept per therapist: an index further behind than this is rebuilt (or reloaded from
# its snapshot), as is one further behind than MAX_REPLAY (re-reading that many sessions one
# batch at a time costs more than a build).
KEEP = 20_000
MAX_REPLAY = 5_000
PRUNE_EVERY = 1_000


@dataclass(frozen=True)
class Position:
    """The journal entry an index is at: its number and its random token (0, 0: before the
    first entry)."""

    seq: int = 0
    token: int = 0


START = Position()


@dataclass
class Changes:
    """What happened after a position: sessions to re-read, clients whose every session goes."""

    position: Position
    session_ids: set[uuid.UUID] = field(default_factory=set)
    client_ids: set[uuid.UUID] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.session_ids or self.client_ids)


def record_change(
    therapist_id: int | None,
    *,
    session_ids: Iterable[uuid.UUID] = (),
    client_id: uuid.UUID | None = None,
) -> None:
    """Journal a write to the therapist's notes: the sessions it touched or, with no session,
    the whole client (an erasure, or a move: the index drops every session of the client it
    holds and reads those that are the therapist's now). In the caller's transaction, if
    there is one."""
    if therapist_id is None:
        return
    ids: list[uuid.UUID | None] = list(dict.fromkeys(session_ids)) or [None]
    with transaction.atomic():
        last = _advance(therapist_id, len(ids))
        first = last - len(ids) + 1
        SearchChange.objects.bulk_create(
            SearchChange(
                therapist_id=therapist_id,
                seq=first + n,
                token=secrets.randbits(62),
                session_id=session_id,
                client_id=client_id if session_id is None else None,
            )
            for n, session_id in enumerate(ids)
        )
        if last // PRUNE_EVERY != (first - 1) // PRUNE_EVERY:  # now and then
            SearchChange.objects.filter(therapist_id=therapist_id, seq__lte=last - KEEP).delete()


def _advance(therapist_id: int, count: int) -> int:
    """Raise the therapist's counter by ``count`` and return it (the row stays locked until
    the caller's transaction ends)."""
    table = connection.ops.quote_name(IndexGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + %s WHERE therapist_id = %s RETURNING value",  # noqa: S608
            [count, therapist_id],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    # No counter yet (or it was lost): it starts after any entry already there, so that a
    # lost row never makes every later write collide with the entries it numbered.
    last = (
        SearchChange.objects.filter(therapist_id=therapist_id)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    ) or 0
    try:
        with transaction.atomic():
            IndexGeneration.objects.create(therapist_id=therapist_id, value=last + count)
        return last + count
    except IntegrityError:  # another writer created the row first: count after theirs
        return _advance(therapist_id, count)


class CounterBusy(Exception):
    """The counter's row is locked by a writer and the caller chose not to wait."""


def lock_counter(therapist_id: int, *, nowait: bool = False) -> int:
    """The therapist's counter, its row locked (as a writer locks it) until the caller's
    transaction ends: no write of theirs commits meanwhile. 0 before the first write.
    ``nowait``: on PostgreSQL, raise CounterBusy (the transaction is then unusable: let it roll
    back) instead of waiting for a writer; SQLite has one writer at a time, and a transaction
    that has written already holds it."""
    table = connection.ops.quote_name(IndexGeneration._meta.db_table)
    if nowait and connection.vendor == "postgresql":
        from psycopg.errors import LockNotAvailable

        sql = f"SELECT value FROM {table} WHERE therapist_id = %s FOR UPDATE NOWAIT"  # noqa: S608
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, [therapist_id])
                row = cursor.fetchone()
        except OperationalError as error:
            if isinstance(error.__cause__, LockNotAvailable):
                raise CounterBusy from error
            raise
        return row[0] if row else 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value WHERE therapist_id = %s RETURNING value",  # noqa: S608
            [therapist_id],
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def _counter(therapist_id: int) -> Subquery:
    return Subquery(IndexGeneration.objects.filter(therapist_id=therapist_id).values("value")[:1])


def current(therapist_id: int) -> Position:
    """The therapist's latest entry, the one the counter names (a row numbered beyond it was
    not written by a writer): where an index built from the data read next is at."""
    row = (
        SearchChange.objects.filter(therapist_id=therapist_id, seq=_counter(therapist_id))
        .values_list("seq", "token")
        .first()
    )
    return Position(*row) if row else START


def changes_since(therapist_id: int, position: Position) -> Changes | None:
    """The changes after ``position``, or None when the index must be rebuilt: its own entry
    is no longer there (pruned, or a journal restored from a backup or rolled back, whose
    numbers may be the same but not its writes), an entry after it is missing, or it is too far
    behind. Entries numbered beyond the counter (not written by a writer) are not read."""
    rows = list(
        SearchChange.objects.filter(
            therapist_id=therapist_id,
            seq__gte=position.seq,
            seq__lte=Coalesce(_counter(therapist_id), Value(0)),
        )
        .order_by("seq")
        .values_list("seq", "token", "session_id", "client_id")[: MAX_REPLAY + 2]
    )
    if position == START:
        if rows and rows[0][0] != 1:
            return None  # entries before the first kept one are gone: rebuild
        rows.insert(0, (0, 0, None, None))
    if not rows or (rows[0][0], rows[0][1]) != (position.seq, position.token):
        return None
    if len(rows) > MAX_REPLAY + 1:
        return None
    if any(row[0] != position.seq + n for n, row in enumerate(rows)):
        return None  # an entry is missing (deleted outside the app): its write would be missed
    changes = Changes(position=Position(rows[-1][0], rows[-1][1]))
    for _seq, _token, session_id, client_id in rows[1:]:
        if session_id is not None:
            changes.session_ids.add(session_id)
        elif client_id is not None:
            changes.client_ids.add(client_id)
    return changes
