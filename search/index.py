"""The in-memory full-text index of one therapist's notes (docs/search.md).

An in-memory SQLite database with FTS5 tables, built from decrypted content. It is never
written to disk in the clear: it is kept in the database as a sealed snapshot (snapshot.py) that
any worker loads instead of building it again, and only one process builds a therapist's index
from the notes at a time (lease.py). Every search first reads the change journal after the
entry the index is at (journal.py) and re-reads only the sessions written since.
"""

import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import connection
from django.db.models import Q

from encryption.bulk import decrypt_values
from sessions.links import read_links
from sessions.models import Addendum, ProcessNote, TherapySession, join_parts, text_parts

from . import journal, lease, memory, snapshot
from .journal import Changes, Position

logger = logging.getLogger(__name__)

DEFAULT_MEMORY_MB = 112
# A session id (36 characters) and its row number in TherapistIndex.known, with the dict's slot.
KNOWN_ENTRY_BYTES = 200
CHUNK = 2000  # sessions decrypted and inserted at a time
BATCH = 500  # sessions re-read at a time after writes
# A snapshot is sealed again once the index is this many journal entries past it, so a worker
# that loads it has little to catch up with.
SNAPSHOT_AFTER = 200
# How long a search waits for another process's build (its snapshot) before building itself.
DEFAULT_BUILD_WAIT_SECONDS = 30
# How long a search waits for its index to be loaded or built in the background before it
# answers "being prepared" (a sync worker waiting is a worker nobody else can use).
DEFAULT_PREPARE_WAIT_MS = 500
RETRY_AFTER_SECONDS = 2
PREPARE_NICENESS = 10
FRESH_SECONDS = 3 * RETRY_AFTER_SECONDS + 2  # a prepared index waits this long for its search
FAILURE_PAUSE_SECONDS = 10
MAX_FAILURE_PAUSE_SECONDS = 300
SEAL_ATTEMPTS = 3
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
CREATE INDEX meta_client ON meta (client_id);
"""


_one_build = threading.Lock()


class SearchUnavailable(Exception):
    """Preparing the therapist's index failed (logged); the next try comes after a pause."""


class IndexPreparing(Exception):
    """The therapist's index is being loaded or built in the background and was not ready
    within SEARCH_PREPARE_WAIT_MS: ask again in ``retry_after`` seconds (nothing is lost;
    no request waits for a whole build)."""

    def __init__(self, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__("The search index is being prepared")
        self.retry_after = retry_after


def _connect() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("PRAGMA temp_store = MEMORY")  # no temporary file either
    db.execute("PRAGMA secure_delete = ON")  # a deleted row's bytes are zeroed, not left free
    return db


class TherapistIndex:
    """One therapist's sessions, decrypted into an in-memory FTS5 database."""

    def __init__(self, therapist_id: int) -> None:
        self.therapist_id = therapist_id
        self.lock = threading.Lock()
        self.position: Position | None = None  # None: not loaded yet
        self.saved_seq = -1  # the entry of the snapshot this process last loaded or sealed
        self.size = 0  # bytes, as of the last refresh
        self.db = _connect()
        self.db.executescript(SCHEMA)
        self.known: dict[str, int] = {}  # session id -> rowid
        self.next_rowid = 1
        self._lease: str | None = None  # the build lease, while this process builds
        self.evicted = False  # out of the registry: closed by whoever holds the lock
        self.resets = 0  # times saved_seq was reset: a copy taken before one is not recorded
        self.fresh_until = 0.0  # prepared for a search not yet run: not evicted before this

    def refresh(self, *, seal: bool = True) -> None:
        """Bring the index up to date with the database, and seal it when due unless told not
        to (``refreshed`` seals outside the lock); call with ``self.lock`` held."""
        if self.position is None and not self._load_snapshot():
            self._build_once()
        if not self._catch_up():
            # Its entry is gone (pruned, a journal restored or rolled back, an entry missing):
            # start again from the notes, through the lease (a snapshot no newer is not taken).
            self._build_once(after=self.position)
            self._catch_up()
        if seal and self.seal_due():
            self._seal()
        self.size = self._memory()

    def caught_up(self) -> bool:
        """Bring a loaded index up to date from the journal, in the request (it costs what
        changed); False when that is not enough (not loaded, or it must be rebuilt): then
        ``refresh()`` in the background. Call with ``self.lock`` held."""
        if self.position is None or not self._catch_up():
            return False
        self.size = self._memory()
        return True

    def _memory(self) -> int:
        """Bytes held: the SQLite pages, and the map of session ids to rows kept beside them."""
        return _size(self.db) + len(self.known) * KNOWN_ENTRY_BYTES

    def seal_due(self) -> bool:
        return self.saved_seq < 0 or self.position.seq - self.saved_seq >= SNAPSHOT_AFTER

    def forget(self) -> None:
        """Drop what is held (and the therapist's snapshot): the next refresh starts again."""
        snapshot.discard(self.therapist_id)
        self.position, self.saved_seq = None, -1

    def _catch_up(self) -> bool:
        """Apply the journal's entries after the index's; False when it cannot (rebuild)."""
        changes = journal.changes_since(self.therapist_id, self.position)
        if changes is None:
            return False
        if changes:
            try:
                self._apply(changes)
            except BaseException:
                # SQLite rolled the index's rows back but not ``known`` (rows taken out of it,
                # added to it): nothing held can be trusted, so nothing is kept. The next
                # refresh loads the snapshot (or builds) and replays the journal again.
                self._drop()
                raise
        self.position = changes.position
        return True

    def _drop(self) -> None:
        self.position, self.saved_seq = None, -1
        self.resets += 1

    def _seal(self) -> None:
        """Store the index as the therapist's snapshot. Only an index at the journal's last
        entry is stored (snapshot.save): when a write lands meanwhile, catch up and try again,
        a few times (a busy caseload must not keep every search sealing in vain)."""
        for _attempt in range(SEAL_ATTEMPTS):
            if self._save() or not self._catch_up():
                return

    # --- loading and building -----------------------------------------------------------------

    def _load_snapshot(self, after: Position | None = None) -> bool:
        started = time.perf_counter()
        found = snapshot.load(self.therapist_id, after_seq=after.seq if after else -1)
        if found is None:
            return False
        position, data = found
        size = len(data)
        db = _connect()
        db.deserialize(data)  # copied into SQLite's own memory
        del found, data  # so the buffer is free before memory is released (_replace)
        self._replace(db)
        self.known = {key: rowid for rowid, key in db.execute("SELECT rowid, session_id FROM meta")}
        self.next_rowid = max(self.known.values(), default=0) + 1
        self.position = position
        self.saved_seq = position.seq
        logger.info(
            "Search index of therapist %s loaded from its snapshot (%d sessions, %.1f MB) "
            "in %.0f ms",
            self.therapist_id,
            len(self.known),
            size / 2**20,
            (time.perf_counter() - started) * 1000,
        )
        return True

    def _build_once(self, after: Position | None = None) -> None:
        """Build from the notes under the therapist's build lease. While another process holds
        it, wait for its snapshot (newer than ``after``), taking the lease over should it lapse
        (a killed builder), for at most SEARCH_BUILD_WAIT_SECONDS; then build regardless."""
        # One build at a time in a process: thirty therapists signing in at once would
        # otherwise build thirty indexes side by side, each holding its chunks in memory.
        with _one_build:
            self._build_under_lease(after)

    def _build_under_lease(self, after: Position | None) -> None:
        holder = lease.acquire(self.therapist_id)
        if holder is None:
            wait = getattr(settings, "SEARCH_BUILD_WAIT_SECONDS", DEFAULT_BUILD_WAIT_SECONDS)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                time.sleep(0.1)
                if self._load_snapshot(after):
                    return
                holder = lease.acquire(self.therapist_id)
                if holder is not None:
                    break
        try:
            if holder is not None and self._load_snapshot(after):
                return  # sealed by the builder just before it let the lease go
            self._lease = holder
            self._build()
            # Sealed before the lease goes, so the processes waiting for it load it; at the
            # journal's last entry (writes made during the build replayed first).
            self._catch_up()
            self._seal()
        finally:
            self._lease = None
            if holder is not None:
                lease.release(self.therapist_id, holder)

    def _build(self) -> None:
        # The journal's position first: a write committed while the notes are read is
        # replayed by the next refresh rather than missed.
        started = time.perf_counter()
        position = journal.current(self.therapist_id)
        db = _connect()
        db.executescript(SCHEMA)
        self._replace(db)
        self.known, self.next_rowid = {}, 1
        self._drop()  # until the build is whole: one that fails leaves nothing to search
        with self.db:
            self._add(
                TherapySession.objects.filter(client__therapist_id=self.therapist_id),
                Q(session__client__therapist_id=self.therapist_id),
            )
        self.position = position
        logger.info(
            "Search index of therapist %s built from %d sessions in %.0f ms",
            self.therapist_id,
            len(self.known),
            (time.perf_counter() - started) * 1000,
        )

    def _replace(self, db: sqlite3.Connection) -> None:
        old, self.db = self.db, db
        old.close()
        memory.release()

    def store(self, data: bytes, position: Position, resets: int) -> bool:
        """Seal ``data``, a copy of the index taken at ``position`` (after ``resets`` resets),
        as the snapshot, without the lock: searches go on meanwhile. False when the journal
        moved on since. A reset after the copy (a deletion caught up with meanwhile deleted the
        snapshot) keeps the next seal due."""
        if not snapshot.save(therapist_id=self.therapist_id, position=position, data=data):
            return False
        with self.lock:
            if self.resets == resets:
                self.saved_seq = max(self.saved_seq, position.seq)
        return True

    def _save(self) -> bool:
        data = self.db.serialize()
        if not snapshot.save(therapist_id=self.therapist_id, position=self.position, data=data):
            return False
        self.saved_seq = self.position.seq
        return True

    # --- catching up ----------------------------------------------------------------------------

    def _apply(self, changes: Changes) -> None:
        """Re-read the sessions written since the index's entry; drop those gone."""
        keys = {str(pk) for pk in changes.session_ids}
        if changes.client_ids:
            clients = [str(pk) for pk in changes.client_ids]
            marks = ", ".join("?" * len(clients))
            keys.update(
                row[0]
                for row in self.db.execute(
                    f"SELECT session_id FROM meta WHERE client_id IN ({marks})",  # noqa: S608
                    clients,
                )
            )
            keys.update(
                str(pk)
                for pk in TherapySession.objects.filter(
                    client_id__in=changes.client_ids, client__therapist_id=self.therapist_id
                ).values_list("pk", flat=True)
            )
        keys = sorted(keys)
        with self.db:
            self._remove(keys)
            for start in range(0, len(keys), BATCH):
                batch = keys[start : start + BATCH]
                self._add(
                    # Only the therapist's own: a session of a client handed to someone else
                    # leaves this index.
                    TherapySession.objects.filter(
                        pk__in=batch, client__therapist_id=self.therapist_id
                    ),
                    Q(session_id__in=batch),
                )
        if changes.client_ids or any(key not in self.known for key in keys):
            # Notes gone (an erasure, a deletion): FTS5 keeps a deleted row's words in its
            # index segments until they are merged, so merge them, and VACUUM the freed pages,
            # before this index is searched again or sealed: erased words must not survive.
            with self.db:
                self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
                self.db.execute("INSERT INTO pdocs(pdocs) VALUES ('optimize')")
            self.db.execute("VACUUM")
            # The deletion deleted the snapshot too: this index, merged, seals a new one.
            self.saved_seq = -1
            self.resets += 1
        self.position = changes.position

    def _remove(self, session_ids: list[str]) -> None:
        rowids = [(self.known.pop(pk),) for pk in session_ids if pk in self.known]
        for table in ("docs", "pdocs", "meta", "doc_themes"):
            self.db.executemany(f"DELETE FROM {table} WHERE rowid = ?", rowids)  # noqa: S608

    def _add(self, sessions, related: Q) -> None:
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
        columns = ("id", "client_id", "date", "start_time", "note_format", "status", "updated_at")
        # Through the cursor: the ORM's conversion of every value (UUIDs, dates, a wrapper per
        # ciphertext) cost a fifth of a build, and each value is only turned into text here.
        sql, params = sessions.values_list(*columns, *ENCRYPTED_COLUMNS).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(CHUNK):
                _insert(self.db, self._rows(chunk, len(columns), addenda, process_notes))
                if self._lease is not None:
                    lease.renew(self.therapist_id, self._lease)

    def _rows(self, rows, plain, addenda, process_notes) -> tuple[list, list, list, list]:
        """The index's rows for a chunk of sessions: (docs, process notes, meta, themes)."""
        keys = [_uuid_text(row[0]) for row in rows]
        clients = [_uuid_text(row[1]) for row in rows]
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
            _, _, day, start, note_format, status, updated = row[:plain]
            key = keys[i]
            values = {name: decrypted[name][i] for name in ENCRYPTED_COLUMNS}
            rowid, self.next_rowid = self.next_rowid, self.next_rowid + 1
            self.known[key] = rowid
            docs.append((rowid, _body(note_format, values, addenda.get(key, []))))
            if process_notes.get(key):
                pdocs.append((rowid, "\n\n".join(process_notes[key])))
            meta.append(
                (
                    rowid,
                    key,
                    clients[i],
                    _iso(day),
                    _iso(start),
                    note_format,
                    status,
                    values["risk_level"],
                    _iso(updated),
                )
            )
            themes += [(rowid, link.theme_id) for link in read_links(values["themes"])]
        return docs, pdocs, meta, themes

    def close(self) -> None:
        """Free the index's memory now (call with ``self.lock`` held, or when nobody can hold
        it): the connection's statement cache refers back to it, so without ``close()`` the
        pages would stay until the cyclic garbage collector ran."""
        self.evicted = True
        self.position = None
        self.db.close()
        memory.release()

    def release(self) -> None:
        """Let go of ``self.lock`` after a search or a preparation; an index evicted meanwhile is
        closed first (its eviction could not take the lock)."""
        try:
            if self.evicted:
                self.close()
        finally:
            self.lock.release()


def _insert(db: sqlite3.Connection, rows: tuple[list, list, list, list]) -> None:
    docs, pdocs, meta, themes = rows
    db.executemany("INSERT INTO docs (rowid, body) VALUES (?, ?)", docs)
    db.executemany("INSERT INTO pdocs (rowid, body) VALUES (?, ?)", pdocs)
    db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", meta)
    db.executemany("INSERT INTO doc_themes VALUES (?, ?)", themes)


def _uuid_text(value) -> str:
    """A UUID as the cursor gives it (a UUID on PostgreSQL, 32 hex digits on SQLite) as text
    with its dashes, as ``str(uuid)`` writes it (row ids and bindings are that text)."""
    if isinstance(value, str):
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def _iso(value) -> str | None:
    """A date, time or instant as the cursor gives it (an object, or already ISO text)."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _size(db: sqlite3.Connection) -> int:
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    return pages * db.execute("PRAGMA page_size").fetchone()[0]


def _texts(model, rows: Iterable[tuple]) -> dict:
    """{session id: [decrypted text, ...]} from (pk, session id, sealed text) rows."""
    rows = list(rows)
    texts = decrypt_values(
        model, "text", ((pk, sealed, sid) for pk, sid, sealed in rows), checked=True
    )
    by_session: dict = {}
    for (_, session_id, _), text in zip(rows, texts, strict=True):
        if text:
            by_session.setdefault(str(session_id), []).append(text)
    return by_session


def _body(note_format: str, values: dict, addenda: list[str]) -> str:
    """The searchable text of a progress note, in the order it is read on the page, then its
    addenda."""
    parts = text_parts(values, note_format)
    return "\n\n".join([join_parts(parts), *(text for text in addenda if text)]).strip()


class IndexRegistry:
    """The process's indexes, least recently used evicted while together they take more than
    SEARCH_INDEX_MEMORY_MB (the one just used always stays)."""

    def __init__(self) -> None:
        self._indexes: OrderedDict[int, TherapistIndex] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, therapist_id: int) -> TherapistIndex:
        with self._lock:
            index = self._indexes.pop(therapist_id, None) or TherapistIndex(therapist_id)
            self._indexes[therapist_id] = index
            self._trim()
            return index

    def trim(self) -> None:
        """Evict by the sizes the indexes had at their last refresh."""
        with self._lock:
            self._trim()

    def _trim(self) -> None:
        budget = getattr(settings, "SEARCH_INDEX_MEMORY_MB", DEFAULT_MEMORY_MB) * 2**20
        now = time.monotonic()
        while sum(i.size for i in self._indexes.values()) > budget:
            # The least recently used first, except the one just used (the last), those
            # prepared for a search that has not come yet, and those not loaded (nothing to
            # free: dropping one being prepared would only waste its preparation).
            candidates = [
                key
                for key, i in list(self._indexes.items())[:-1]
                if i.fresh_until <= now and i.position is not None
            ]
            if not candidates:
                break
            index = self._indexes.pop(candidates[0])
            index.evicted = True
            # Closed now when nobody uses it; else by the search or preparation holding it,
            # when it ends (TherapistIndex.release).
            if index.lock.acquire(blocking=False):
                index.release()

    def loaded(self, therapist_id: int) -> bool:
        """Whether this process holds the therapist's index, loaded."""
        with self._lock:
            index = self._indexes.get(therapist_id)
            return index is not None and index.position is not None

    def therapist_ids(self) -> list[int]:
        with self._lock:
            return list(self._indexes)

    def memory_bytes(self) -> int:
        with self._lock:
            return sum(index.size for index in self._indexes.values())

    def clear(self) -> None:
        with self._lock:
            self._indexes.clear()


registry = IndexRegistry()


_preparing: dict[int, threading.Event] = {}  # therapist -> set when their preparation ends
_preparing_lock = threading.Lock()


_failures: dict[int, tuple[int, float]] = {}  # therapist -> (failures in a row, retry after)


def prepare_in_background(therapist_id: int) -> bool:
    """Load (from the snapshot) or build the therapist's index, catch it up and seal it when
    due, in a thread of this process: one per therapist at a time (False when one runs)."""
    with _preparing_lock:
        if therapist_id in _preparing:
            return False
        _preparing[therapist_id] = threading.Event()
    try:
        threading.Thread(
            target=_prepare, args=(therapist_id,), name=f"search-index-{therapist_id}", daemon=True
        ).start()
    except BaseException:  # no thread (a process limit): nothing is being prepared
        with _preparing_lock:
            _preparing.pop(therapist_id).set()
        raise
    return True


def _start(therapist_id: int) -> bool:
    """Start preparing (unless it is under way); False when no thread could be started."""
    try:
        prepare_in_background(therapist_id)
    except RuntimeError:  # "can't start new thread": a process or memory limit
        logger.exception("No thread to prepare the search index of therapist %s", therapist_id)
        _failed(therapist_id)
        return False
    return True


def _failed(therapist_id: int) -> None:
    """Remember a preparation that failed: searches say so, and none starts again before a
    pause that doubles with each failure in a row (FAILURE_PAUSE_SECONDS, up to 5 minutes)."""
    with _preparing_lock:
        count = _failures.get(therapist_id, (0, 0.0))[0] + 1
        pause = min(FAILURE_PAUSE_SECONDS * 2 ** (count - 1), MAX_FAILURE_PAUSE_SECONDS)
        _failures[therapist_id] = (count, time.monotonic() + pause)


def _failing(therapist_id: int) -> bool:
    """Whether the therapist's last preparation failed less than its pause ago."""
    with _preparing_lock:
        failure = _failures.get(therapist_id)
    return failure is not None and time.monotonic() < failure[1]


def _prepare(therapist_id: int) -> None:
    # Background work: requests (this worker's other threads, other workers) come first for the
    # CPU. Linux sets the priority of one thread (and those it starts) this way; elsewhere it
    # stays as it is.
    with suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PREPARE_NICENESS)
    try:
        refreshed(therapist_id, fresh=True)
    except Exception:  # searches say so; the next tries again after a pause
        logger.exception("Preparing the search index of therapist %s failed", therapist_id)
        _failed(therapist_id)
    else:
        with _preparing_lock:
            _failures.pop(therapist_id, None)
    finally:
        connection.close()  # this thread's own connection
        with _preparing_lock:
            _preparing.pop(therapist_id).set()  # the searches waiting for it go on


def preparing(therapist_id: int) -> bool:
    with _preparing_lock:
        return therapist_id in _preparing


def _wait_for_preparation(therapist_id: int, timeout: float) -> None:
    with _preparing_lock:
        done = _preparing.get(therapist_id)
    if done is not None:
        done.wait(timeout)


@contextmanager
def ready(therapist_id: int) -> Iterator[TherapistIndex]:
    """The therapist's index, up to date and locked for a search.

    A loaded index catches up from the journal here. Anything longer (a load from the
    snapshot, a build, a rebuild, sealing a snapshot) runs in the background
    (``prepare_in_background``); the search waits for it SEARCH_PREPARE_WAIT_MS at most,
    then raises IndexPreparing, so no request holds a worker for a whole build. With
    SEARCH_PREPARE_IN_BACKGROUND off (the tests), everything runs here, as it did.
    """
    if not getattr(settings, "SEARCH_PREPARE_IN_BACKGROUND", True):
        index = _locked(therapist_id)
        try:
            index.refresh()
            yield index
        finally:
            index.release()
        registry.trim()
        return
    # A load already under way is a long one (a build, a big snapshot, another process's build
    # awaited): the search answers at once rather than hold its worker for nothing. (A loaded
    # index's lock is held briefly: by another search, or while a copy is taken to seal.)
    wait = getattr(settings, "SEARCH_PREPARE_WAIT_MS", DEFAULT_PREPARE_WAIT_MS) / 1000
    loading = preparing(therapist_id) and not registry.loaded(therapist_id)
    deadline = time.monotonic() + (0.0 if loading else wait)
    while True:
        index = registry.get(therapist_id)
        # The lock is held by a preparation for as long as it runs: wait for it, not longer.
        if index.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            if index.evicted:  # dropped while this waited: take the registry's
                index.release()
                continue
            try:
                if index.caught_up():
                    index.fresh_until = 0.0  # used: evicted in its turn from now on
                    if index.seal_due():
                        _start(therapist_id)  # seals; this search goes on, whatever happens
                    yield index
                    break
            finally:
                index.release()
            if _failing(therapist_id) or not _start(therapist_id):  # (none if under way)
                raise SearchUnavailable()
        if time.monotonic() >= deadline:
            raise IndexPreparing()
        _wait_for_preparation(therapist_id, max(0.0, deadline - time.monotonic()))
    registry.trim()


def _locked(therapist_id: int) -> TherapistIndex:
    """The therapist's index in the registry, its lock taken (the one the registry holds once
    the lock is had: one evicted meanwhile is let go)."""
    while True:
        index = registry.get(therapist_id)
        index.lock.acquire()
        if not index.evicted:
            return index
        index.release()


def refreshed(therapist_id: int, *, fresh: bool = False) -> TherapistIndex:
    """The therapist's index, up to date; use it with its lock held (``index.lock``)."""
    for _attempt in range(SEAL_ATTEMPTS):
        index = _locked(therapist_id)
        try:
            index.refresh(seal=False)
            if fresh:
                # Prepared for a search that will come back for it (the page posts it again):
                # kept from eviction until then, or two therapists whose indexes do not both
                # fit would evict each other's before either is used.
                index.fresh_until = time.monotonic() + FRESH_SECONDS
            # Copied under the lock, sealed and stored outside it: a search need not wait for
            # the database to take tens of MB.
            due = index.seal_due()
            copy = (index.db.serialize(), index.position, index.resets) if due else None
        finally:
            index.release()
        if copy is None or index.store(*copy):
            break
        del copy  # a write landed meanwhile: catch up and copy again
    registry.trim()
    return index
