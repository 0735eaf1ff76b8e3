"""Keep every process's indexes consistent with writes: each write to a note is journalled
(ids only, journal.py) in its transaction. Notes are written through sessions.services, which
sends ``session_written``. A note, addendum or process note deleted by any other way (a
cascade, a shell) is caught by its ``post_delete`` too. Erased text must never stay findable,
nor stay sealed in a snapshot: erasing a client, or deleting any of a therapist's notes, deletes
that therapist's snapshot, and key rotation deletes them all (they are only a cache)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from clients.models import Client
from encryption.signals import rewrite_starting
from sessions.models import Addendum, ProcessNote, TherapySession
from sessions.signals import Change, session_written

from . import snapshot
from .journal import record_change


@receiver(session_written)
def note_written(
    sender, *, therapist_id: int, client_id=None, session_ids=(), change=None, **kwargs
) -> None:
    if change == Change.ERASED:
        record_change(therapist_id, client_id=client_id)
        snapshot.discard(therapist_id)
    else:
        record_change(therapist_id, session_ids=session_ids)


@receiver(post_delete, sender=Client)
def client_deleted(sender, instance: Client, **kwargs) -> None:
    record_change(instance.therapist_id, client_id=instance.pk)
    snapshot.discard(instance.therapist_id)


@receiver(post_delete, sender=TherapySession)
def note_deleted(sender, instance: TherapySession, **kwargs) -> None:
    therapist_id = (
        Client.objects.filter(pk=instance.client_id).values_list("therapist_id", flat=True).first()
    )
    _deleted(therapist_id, instance.pk)


@receiver(post_delete, sender=Addendum)
@receiver(post_delete, sender=ProcessNote)
def note_part_deleted(sender, instance, **kwargs) -> None:
    therapist_id = (
        TherapySession.objects.filter(pk=instance.session_id)
        .values_list("client__therapist_id", flat=True)
        .first()
    )
    _deleted(therapist_id, instance.session_id)


def _deleted(therapist_id: int | None, session_id) -> None:
    if therapist_id is None:
        return
    record_change(therapist_id, session_ids=[session_id])
    snapshot.discard(therapist_id)


@receiver(rewrite_starting)
def keys_rotating(sender, **kwargs) -> None:
    """Snapshots are sealed under the primary key: rotation drops them (rebuilt on demand)."""
    snapshot.discard()
