from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max

from .models import Client, ClientNumbering, ClientStatus, Disclosure, DisclosureKind

_CODE_ATTEMPTS = 5


def create_client(*, therapist, client: Client) -> Client:
    """Save a new client with the therapist's next client number (C-0001, C-0002, ...)."""
    client.therapist = therapist
    for attempt in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                client.number = _next_number(therapist)
                client.save(force_insert=True)
                return client
        except IntegrityError:
            # Another request created the counter or took the number first: try again.
            if attempt == _CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _next_number(therapist) -> int:
    counters = ClientNumbering.objects.filter(therapist=therapist)
    if not counters.update(last_number=F("last_number") + 1):
        # First client through this counter: start after any number already in use (clients
        # imported or seeded before the counter existed).
        highest = Client.objects.filter(therapist=therapist).aggregate(Max("number"))
        ClientNumbering.objects.create(
            therapist=therapist, last_number=(highest["number__max"] or 0) + 1
        )
    return counters.values_list("last_number", flat=True).get()


@transaction.atomic
def discharge_client(*, client: Client, discharge_date, closing_summary: str) -> Client:
    client.status = ClientStatus.DISCHARGED
    client.discharge_date = discharge_date
    client.closing_summary = closing_summary
    client.save(update_fields=["status", "discharge_date", "closing_summary", "updated_at"])
    return client


def record_disclosure(
    *,
    client,
    user,
    kind: DisclosureKind,
    process_notes_reason: str = "",
    includes_process_notes: bool = False,
) -> Disclosure:
    disclosure = Disclosure(
        client=client,
        created_by=user,
        kind=kind,
        includes_process_notes=includes_process_notes,
        process_notes_reason=process_notes_reason if includes_process_notes else "",
    )
    disclosure.save(force_insert=True)
    return disclosure


def erase_client(*, client: Client) -> None:
    """Delete every row that belongs to the client: sessions, drafts, addenda, process notes
    and disclosures go with it (foreign keys cascade). The audit log keeps its content-free
    entries. On SQLite, freed pages are zeroed (secure_delete) and the write-ahead log is
    checkpointed so that no old page of the record stays in the -wal file."""
    with transaction.atomic():
        client.delete()
    if connection.vendor == "sqlite":
        # After the commit (at once in autocommit): inside a transaction SQLite refuses a
        # checkpoint ("database table is locked"), which would undo the whole erasure.
        transaction.on_commit(_checkpoint_wal)


def _checkpoint_wal() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
