"""The process-local full-text index of one therapist's notes (docs/search.md).

An in-memory SQLite database with FTS5 tables, built from decrypted content and never written
to disk. A per-therapist change marker (``IndexGeneration``) is read before every search;
when it moved, the sessions that changed since the index was built are re-read.
"""

import itertools
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q

from encryption.bulk import decrypt_values
from sessions.links import read_links
from sessions.models import Addendum, ProcessNote, TherapySession, join_parts, text_parts

from .models import IndexGeneration

DEFAULT_MAX_THERAPISTS = 8
CHUNK = 2000  # sessions decrypted and inserted at a time
TOKENIZER = "porter unicode61 remove_diacritics 2"
ENCRYPTED_COLUMNS = (
    "note",
    "mood_affect",
    "risk_level",
    "risk_notes",
    "interventions",
    "plan",
    "themes",
)
SCHEMA = f"""
PRAGMA temp_store = MEMORY;
CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='{TOKENIZER}');
CREATE VIRTUAL TABLE pdocs USING fts5(body, tokenize='{TOKENIZER}');
CREATE TABLE meta (
    rowid INTEGER PRIMARY KEY, session_id TEXT UNIQUE, client_id TEXT, date TEXT, start TEXT,
    format TEXT, status TEXT, risk TEXT, updated TEXT
);
CREATE TABLE doc_themes (rowid INTEGER, theme_id INTEGER);
CREATE INDEX doc_themes_rowid ON doc_themes (rowid);
CREATE INDEX doc_themes_theme ON doc_themes (theme_id);
CREATE INDEX meta_recent ON meta (date DESC, start DESC);
"""


def invalidate(therapist_id: int | None) -> None:
    """Tell every process that the therapist's notes changed (one UPDATE of a number).

    The new value is random rather than the old one plus one: a counter that went back (a
    restored backup, a rolled-back test) could otherwise meet a stale index at the same value.
    """
    if therapist_id is None:
        return
    value = secrets.randbits(62)
    if IndexGeneration.objects.filter(therapist_id=therapist_id).update(value=value):
        return
    try:
        with transaction.atomic():
            IndexGeneration.objects.create(therapist_id=therapist_id, value=value)
    except IntegrityError:
        # Another request created the row first.
        IndexGeneration.objects.filter(therapist_id=therapist_id).update(value=value)


def current_generation(therapist_id: int) -> int:
    generations = IndexGeneration.objects.filter(therapist_id=therapist_id)
    return generations.values_list("value", flat=True).first() or 0


class TherapistIndex:
    """One therapist's sessions, decrypted into an in-memory FTS5 database."""

    def __init__(self, therapist_id: int) -> None:
        self.therapist_id = therapist_id
        self.generation: int | None = None
        self.lock = threading.Lock()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.executescript(SCHEMA)
        # session id -> (rowid, fingerprint); the fingerprint says when to re-read a session.
        self.known: dict[str, tuple[int, tuple]] = {}
        self.next_rowid = 1

    def refresh(self) -> None:
        """Bring the index up to date with the database; call with ``self.lock`` held."""
        # Read the counter first: a write committed after this read bumps it again, so the
        # next search refreshes once more rather than missing the write.
        generation = current_generation(self.therapist_id)
        if generation == self.generation:
            return
        sessions = TherapySession.objects.filter(client__therapist_id=self.therapist_id)
        fingerprints = {
            str(pk): rest
            for pk, *rest in sessions.annotate(
                addenda_count=Count("addenda", distinct=True),
                process_updated=Max("process_note__updated_at"),
            ).values_list(
                "id", "updated_at", "version", "status", "addenda_count", "process_updated"
            )
        }
        gone = [pk for pk in self.known if pk not in fingerprints]
        changed = [
            pk for pk, print_ in fingerprints.items() if self.known.get(pk, (0, None))[1] != print_
        ]
        with self.db:
            self._remove(gone + changed)
            if changed and not self.known:
                # First build: stream every session of the therapist in one query rather than
                # batches of ``pk__in`` lookups.
                self._add(
                    TherapySession.objects.filter(client__therapist_id=self.therapist_id),
                    Q(session__client__therapist_id=self.therapist_id),
                    fingerprints,
                )
            else:
                for start in range(0, len(changed), 500):
                    batch = changed[start : start + 500]
                    self._add(
                        TherapySession.objects.filter(pk__in=batch),
                        Q(session_id__in=batch),
                        fingerprints,
                    )
        self.generation = generation

    def _remove(self, session_ids: list[str]) -> None:
        rowids = [(self.known.pop(pk)[0],) for pk in session_ids if pk in self.known]
        for table in ("docs", "pdocs", "meta", "doc_themes"):
            self.db.executemany(f"DELETE FROM {table} WHERE rowid = ?", rowids)  # noqa: S608

    def _add(self, sessions, related: Q, fingerprints: dict[str, tuple]) -> None:
        """Index ``sessions``; ``related`` selects their addenda and process notes."""
        addenda = _texts(
            Addendum,
            Addendum.objects.filter(related)
            .order_by("created_at")
            .values_list("id", "session_id", "text"),
        )
        process_notes = _texts(
            ProcessNote, ProcessNote.objects.filter(related).values_list("id", "session_id", "text")
        )
        # updated_at comes from the fingerprints (already read): one datetime converter less.
        columns = ("id", "client_id", "date", "start_time", "note_format", "status")
        rows = sessions.values_list(*columns, *ENCRYPTED_COLUMNS).iterator(chunk_size=CHUNK)
        while chunk := list(itertools.islice(rows, CHUNK)):
            self._add_rows(chunk, len(columns), addenda, process_notes, fingerprints)

    def _add_rows(self, rows, plain, addenda, process_notes, fingerprints) -> None:
        keys = [str(row[0]) for row in rows]  # each UUID turned into text once, not eight times
        clients = [row[1] for row in rows]
        decrypted = {
            name: decrypt_values(
                TherapySession,
                name,
                zip(keys, (row[plain + i] for row in rows), clients, strict=True),
                # Not checked against the integrity ledger here (that would double a cold
                # build): the results shown are checked when a search runs (services.py).
                checked=True,
            )
            for i, name in enumerate(ENCRYPTED_COLUMNS)
        }
        docs, pdocs, meta, themes = [], [], [], []
        for i, row in enumerate(rows):
            pk, client_id, day, start, note_format, status = row[:plain]
            key, print_ = keys[i], fingerprints.get(keys[i])
            values = {name: decrypted[name][i] for name in ENCRYPTED_COLUMNS}
            rowid, self.next_rowid = self.next_rowid, self.next_rowid + 1
            self.known[key] = (rowid, print_)
            docs.append((rowid, _body(note_format, values, addenda.get(pk, []))))
            if process_notes.get(pk):
                pdocs.append((rowid, "\n\n".join(process_notes[pk])))
            meta.append(
                (
                    rowid,
                    key,
                    str(client_id),
                    day.isoformat(),
                    start.isoformat(),
                    note_format,
                    status,
                    values["risk_level"],
                    # A session written after the fingerprints were read has none; the write
                    # moved the generation, so the next search re-reads it.
                    print_[0].isoformat() if print_ else None,
                )
            )
            themes += [(rowid, link.theme_id) for link in read_links(values["themes"])]
        self.db.executemany("INSERT INTO docs (rowid, body) VALUES (?, ?)", docs)
        self.db.executemany("INSERT INTO pdocs (rowid, body) VALUES (?, ?)", pdocs)
        self.db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", meta)
        self.db.executemany("INSERT INTO doc_themes VALUES (?, ?)", themes)

    def close(self) -> None:
        self.db.close()


def _texts(model, rows: Iterable[tuple]) -> dict:
    """{session id: [decrypted text, ...]} from (pk, session id, sealed text) rows."""
    rows = list(rows)
    texts = decrypt_values(
        model, "text", ((pk, sealed, sid) for pk, sid, sealed in rows), checked=True
    )
    by_session: dict = {}
    for (_, session_id, _), text in zip(rows, texts, strict=True):
        if text:
            by_session.setdefault(session_id, []).append(text)
    return by_session


def _body(note_format: str, values: dict, addenda: list[str]) -> str:
    """The searchable text of a progress note, in the order it is read on the page, then its
    addenda."""
    parts = text_parts(values, note_format)
    return "\n\n".join([join_parts(parts), *(text for text in addenda if text)]).strip()


class IndexRegistry:
    """The process's indexes, least recently used evicted beyond SEARCH_INDEX_MAX_THERAPISTS."""

    def __init__(self) -> None:
        self._indexes: OrderedDict[int, TherapistIndex] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, therapist_id: int) -> TherapistIndex:
        limit = getattr(settings, "SEARCH_INDEX_MAX_THERAPISTS", DEFAULT_MAX_THERAPISTS)
        with self._lock:
            index = self._indexes.pop(therapist_id, None) or TherapistIndex(therapist_id)
            self._indexes[therapist_id] = index
            while len(self._indexes) > max(1, limit):
                # An evicted index still in use elsewhere stays valid until that search ends.
                self._indexes.popitem(last=False)
            return index

    def therapist_ids(self) -> list[int]:
        with self._lock:
            return list(self._indexes)

    def clear(self) -> None:
        with self._lock:
            self._indexes.clear()


registry = IndexRegistry()
