"""The caseload's theme ids per session, kept in this process's memory, so that a request of the
caseload page decrypts only the sessions of the clients whose notes changed since the last one.

Which themes a session touched is clinical data: it is held here, in the memory of the worker
process, and nowhere else (never in the database, a file or Django's cache); it is gone when
the process ends. For each of at most ``MAX_THERAPISTS`` therapists (the least recently asked
for is dropped first), and for each of their active clients: the client's sessions, oldest
first, the date and theme ids of each, and the client's fingerprint.

What changed is read in ONE aggregated query per request, which also lists the active clients:
for each of them the number of their sessions, the newest ``updated_at`` and the sum of the
``version`` of their sessions. Every write of a note changes one of these: a new note (the
count), a draft saved or a suggestion accepted (``updated_at`` and ``version``, both written by
``sessions.services.save_draft_session``), signing (``version``), a deletion or an erasure (the
count, or the client is gone). Clients whose fingerprint changed, or who are new, are read again
in one query; those no longer active are dropped. The search app's change journal
(``search/journal.py``) says what changed per therapist too, but search ranks above themes
(nothing imports upward, ``tests/config/test_dependency_order.py``), hence the fingerprint.

Integrity: theme lists are decrypted with ``encryption.bulk.decrypt_values``, which first checks
the rows against the integrity ledger (``rows_opened``), so every value held here matched its
ledger entry when it was read, and a row that does not (changed outside the app) refuses the
page as before. A row whose client's fingerprint did not change is not read again, so it is not
checked again on every request (doing so was most of the 1.6 s a request took at 300 clients,
bench/bench_themes.py): a change made outside the app that leaves the fingerprint as it was is
noticed when the client is next read (any write to their notes, a restart, the therapist dropped
from the cache), by every page that reads the row itself, and by ``verify_records``; until then
this page shows the values checked before, never the changed ones.
"""

import bisect
import datetime
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Sum
from django.db.models.signals import post_delete

from clients.models import Client, ClientStatus
from encryption.bulk import decrypt_values
from sessions.links import read_links
from sessions.models import TherapySession

# About 1 MB per 16,000 sessions held (bench/bench_themes.py, measured with tracemalloc).
MAX_THERAPISTS = 64
READ_CHUNK = 500  # clients per query when reading sessions again (bounded SQL parameters)


@dataclass(frozen=True, slots=True)
class ActiveClient:
    """One of the therapist's active clients, with the date and theme ids of each of their
    sessions, oldest first (by date, start time, then id)."""

    client_id: uuid.UUID
    number: int
    sealed_name: bytes  # the stored full name, still encrypted: for the caller to decrypt
    dates: tuple[datetime.date, ...]
    theme_ids: tuple[tuple[int, ...], ...]  # one per session, in the order of ``dates``

    def theme_ids_between(
        self, date_from: datetime.date | None, date_to: datetime.date | None
    ) -> tuple[tuple[int, ...], ...]:
        """The theme ids of the sessions within the date range (inclusive; None is open)."""
        start = 0 if date_from is None else bisect.bisect_left(self.dates, date_from)
        end = len(self.dates) if date_to is None else bisect.bisect_right(self.dates, date_to)
        return self.theme_ids[start:end]


@dataclass(frozen=True, slots=True)
class _Sessions:
    """What is kept of one client. Start times and session ids only order the sessions, which
    the query reading them does, so they are not kept; theme ids are sorted tuples, one object
    for equal ones: 0.9 MB for 16,200 sessions, against 4.5 MB with a (date, start time, session
    id, frozenset) record per session."""

    fingerprint: tuple
    dates: tuple[datetime.date, ...]
    theme_ids: tuple[tuple[int, ...], ...]


@dataclass(slots=True)
class _Therapist:
    lock: threading.Lock = field(default_factory=threading.Lock)
    clients: dict[uuid.UUID, _Sessions] = field(default_factory=dict)


class CaseloadCache:
    def __init__(self, max_therapists: int = MAX_THERAPISTS) -> None:
        self.max_therapists = max_therapists
        self._lock = threading.Lock()
        self._therapists: OrderedDict[int, _Therapist] = OrderedDict()

    def active_clients(self, therapist) -> list[ActiveClient]:
        """The therapist's active clients by number, each with their sessions, after reading
        again those whose sessions changed. Two queries when nothing changed, plus the three of
        reading (the sessions, and the integrity check of those read) when something did."""
        entry = self._entry(therapist.pk)
        with entry.lock:  # one refresh at a time per therapist; others wait and find it done
            listed = (
                Client.objects.for_therapist(therapist)
                .filter(status=ClientStatus.ACTIVE)
                .order_by("number")
                .values("id", "number", "full_name")
                .annotate(
                    session_count=Count("sessions"),
                    last_write=Max("sessions__updated_at"),
                    versions=Sum("sessions__version"),
                )
                .values_list("id", "number", "full_name", "session_count", "last_write", "versions")
            )
            current = {pk: (number, sealed, tuple(rest)) for pk, number, sealed, *rest in listed}
            known = entry.clients
            changed = [
                pk
                for pk, (_, _, fingerprint) in current.items()
                if pk not in known or known[pk].fingerprint != fingerprint
            ]
            read = _read_sessions(therapist, changed)
            entry.clients = {
                pk: _Sessions(fingerprint, *read[pk]) if pk in read else known[pk]
                for pk, (_, _, fingerprint) in current.items()
            }
            clients = []
            for pk, (number, sealed, _) in current.items():
                kept = entry.clients[pk]
                clients.append(ActiveClient(pk, number, sealed, kept.dates, kept.theme_ids))
            return clients

    def client_sessions(self, therapist, client_id: uuid.UUID) -> tuple[tuple, tuple]:
        """(dates, theme ids) of one client's sessions, oldest first, after reading them again
        if their fingerprint changed (any status: the client page's recurring themes). One
        aggregated query when nothing changed."""
        entry = self._entry(therapist.pk)
        with entry.lock:
            fingerprint = tuple(
                TherapySession.objects.for_therapist(therapist)
                .filter(client_id=client_id)
                .aggregate(
                    session_count=Count("id"), last_write=Max("updated_at"), versions=Sum("version")
                )
                .values()
            )
            kept = entry.clients.get(client_id)
            if kept is None or kept.fingerprint != fingerprint:
                dates, theme_ids = _read_sessions(therapist, [client_id])[client_id]
                kept = entry.clients[client_id] = _Sessions(fingerprint, dates, theme_ids)
            return kept.dates, kept.theme_ids

    def clients_held(self, therapist_id: int) -> set[uuid.UUID]:
        """The clients of whom this process holds theme ids for the therapist."""
        with self._lock:
            entry = self._therapists.get(therapist_id)
        if entry is None:
            return set()
        with entry.lock:
            return set(entry.clients)

    def forget_client(self, therapist_id: int, client_id: uuid.UUID) -> None:
        with self._lock:
            entry = self._therapists.get(therapist_id)
        if entry is not None:
            with entry.lock:
                entry.clients.pop(client_id, None)

    def clear(self) -> None:
        with self._lock:
            self._therapists.clear()

    def _entry(self, therapist_id: int) -> _Therapist:
        with self._lock:
            entry = self._therapists.pop(therapist_id, None) or _Therapist()
            self._therapists[therapist_id] = entry  # the most recently asked for, last
            while len(self._therapists) > self.max_therapists:
                self._therapists.popitem(last=False)
            return entry


def _read_sessions(therapist, client_ids: list) -> dict[uuid.UUID, tuple[tuple, tuple]]:
    """{client id: (dates, theme ids)} of these clients' sessions, oldest first; every client
    listed, also one with no sessions."""
    dates: dict[uuid.UUID, list] = {pk: [] for pk in client_ids}
    theme_ids: dict[uuid.UUID, list] = {pk: [] for pk in client_ids}
    shared: dict = {}  # one object for equal dates and for equal theme sets: most repeat
    for start in range(0, len(client_ids), READ_CHUNK):
        rows = list(
            TherapySession.objects.for_therapist(therapist)
            .filter(client_id__in=client_ids[start : start + READ_CHUNK])
            .order_by("client_id", "date", "start_time", "id")
            .values_list("id", "client_id", "date", "themes")
        )
        links = decrypt_values(
            TherapySession, "themes", ((pk, sealed, client) for pk, client, _, sealed in rows)
        )
        for (_, client, day, _), session_links in zip(rows, links, strict=True):
            ids = tuple(sorted({link.theme_id for link in read_links(session_links)}))
            dates[client].append(shared.setdefault(day, day))
            theme_ids[client].append(shared.setdefault(ids, ids))
    return {pk: (tuple(dates[pk]), tuple(theme_ids[pk])) for pk in client_ids}


cache = CaseloadCache()


def _client_deleted(sender, instance: Client, **kwargs) -> None:
    # An erased client's theme ids leave this process's memory at once, not at the next
    # request. (Connected on import: before that, nothing is cached.)
    cache.forget_client(instance.therapist_id, instance.pk)


post_delete.connect(_client_deleted, sender=Client, dispatch_uid="themes.caseload_cache")
