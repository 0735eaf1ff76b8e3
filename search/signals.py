"""Keep every process's indexes consistent with writes: each write to a note is journalled
(ids only, journal.py) in its transaction. Notes are written through sessions.services, which
sends ``session_written``. A note, addendum or process note deleted by any other way (a shell,
a cascade from the note) is caught by its ``post_delete`` too; a client's deletion (erasure)
by the client's ``post_delete``, once for the whole client, however many notes go with it. A
client moved to another therapist, by any save, is journalled for both (``client_saving``).

Erased text must never stay findable, nor stay sealed in a snapshot: erasing a client, deleting
any of a therapist's notes, or moving a client away deletes that therapist's snapshot, and key
rotation deletes them all (they are only a cache). Writes that send no signal (a queryset's
``update()`` or ``bulk_update()``, raw SQL) are not seen: nothing in the app moves a client
or deletes a note that way."""

from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from clients.models import Client
from encryption.signals import rewrite_starting
from sessions.models import Addendum, ProcessNote, TherapySession
from sessions.signals import Change, session_written

from . import snapshot
from .journal import record_change

MOVED_FROM = "_search_moved_from"  # set on a client being saved to another therapist


@receiver(session_written)
def note_written(
    sender, *, therapist_id: int, client_id=None, session_ids=(), change=None, **kwargs
) -> None:
    if change == Change.ERASED:
        # Deleting the client journalled the erasure (client_deleted) in this transaction: one
        # entry, one snapshot deletion. Only a record erased with its client row kept needs them.
        if Client._base_manager.filter(pk=client_id).exists():
            _client_changed(therapist_id, client_id)
    else:
        record_change(therapist_id, session_ids=session_ids)


@receiver(post_delete, sender=Client)
def client_deleted(sender, instance: Client, **kwargs) -> None:
    _client_changed(instance.therapist_id, instance.pk)


@receiver(post_delete, sender=TherapySession)
def note_deleted(sender, instance: TherapySession, origin=None, **kwargs) -> None:
    if _deleting(origin, Client):
        return  # a client's deletion: journalled once, for the whole client (client_deleted)
    therapist_id = (
        Client._base_manager.filter(pk=instance.client_id)
        .values_list("therapist_id", flat=True)
        .first()
    )
    _deleted(therapist_id, instance.pk)


@receiver(post_delete, sender=Addendum)
@receiver(post_delete, sender=ProcessNote)
def note_part_deleted(sender, instance, origin=None, **kwargs) -> None:
    if _deleting(origin, Client, TherapySession):
        return  # journalled with the client or the note it belongs to (deleted after it)
    owner = (
        TherapySession._base_manager.filter(pk=instance.session_id)
        .values_list("client__therapist_id", "client_id")
        .first()
    )
    if owner is not None:
        # As for a whole client: the note stays, so re-reading it alone would leave the deleted
        # text's words in the index's segments (FTS5 merges them out only when rows go); a
        # client entry drops the client's rows, reads them again and merges.
        _client_changed(*owner)


def _deleting(origin, *models) -> bool:
    """Whether a deletion started from one of ``models``: ``origin`` is the instance or the
    queryset whose ``delete()`` cascaded (Django deletes the children, and sends their
    ``post_delete``, before the rows they belong to, all in one transaction)."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return issubclass(model, models)


def _deleted(therapist_id: int | None, session_id) -> None:
    if therapist_id is None:
        return
    record_change(therapist_id, session_ids=[session_id])
    snapshot.discard(therapist_id)


def _client_changed(therapist_id: int, client_id) -> None:
    """Every session of the client is dropped from the therapist's index and read again (none,
    after an erasure), and the therapist's snapshot, which may hold their text, deleted."""
    record_change(therapist_id, client_id=client_id)
    snapshot.discard(therapist_id)


@receiver(pre_save, sender=Client)
def client_saving(sender, instance: Client, raw, using, update_fields=None, **kwargs) -> None:
    """Note the therapist a client is leaving, as stored: whichever path changed the field (a
    handover, the admin, a shell), the stored row says whom the client belonged to."""
    instance.__dict__.pop(MOVED_FROM, None)
    if raw or instance._state.adding:  # a fixture's rows, or a new client: nothing moves
        return
    if update_fields is not None and not {"therapist", "therapist_id"} & set(update_fields):
        return
    stored = Client._base_manager.using(using).filter(pk=instance.pk)
    if connections[using].in_atomic_block:
        # The lock the UPDATE takes, taken now: no other move of this client in between.
        stored = stored.select_for_update(no_key=True)
    previous = stored.values_list("therapist_id", flat=True).first()
    if previous is not None and previous != instance.therapist_id:
        instance.__dict__[MOVED_FROM] = previous


@receiver(post_save, sender=Client)
def client_saved(sender, instance: Client, **kwargs) -> None:
    """A client moved: the index of the therapist they left drops their sessions (and its
    snapshot goes: sealed, it still holds their text), the new therapist's index reads them.
    In the save's transaction when there is one (a service's, a request's); in autocommit (a
    shell) just after the save's own."""
    previous = instance.__dict__.pop(MOVED_FROM, None)
    if previous is None:
        return
    with transaction.atomic():
        # Counters locked in a fixed order: two moves in opposite directions never wait on
        # each other's lock.
        for therapist_id in sorted({previous, instance.therapist_id}):
            record_change(therapist_id, client_id=instance.pk)
        snapshot.discard(previous)


@receiver(rewrite_starting)
def keys_rotating(sender, **kwargs) -> None:
    """Snapshots are sealed under the primary key: rotation drops them (rebuilt on demand)."""
    snapshot.discard()
