"""Keep the in-memory indexes consistent with writes, in every process: only a change counter
is bumped here. Notes are written through sessions.services, which sends ``session_written``;
clients (their names and codes are shown with results) are saved and erased through the ORM.
A note, addendum or process note deleted by any other way (a cascade, a shell) is caught by its
``post_delete`` too: erased text must never stay findable."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clients.models import Client
from sessions.models import Addendum, ProcessNote, TherapySession
from sessions.signals import session_written

from .index import invalidate


@receiver([post_save, post_delete], sender=Client)
def client_changed(sender, instance: Client, **kwargs) -> None:
    invalidate(instance.therapist_id)


@receiver(session_written)
def note_written(sender, *, therapist_id: int, **kwargs) -> None:
    invalidate(therapist_id)


@receiver(post_delete, sender=TherapySession)
def note_deleted(sender, instance: TherapySession, **kwargs) -> None:
    therapist_id = (
        Client.objects.filter(pk=instance.client_id).values_list("therapist_id", flat=True).first()
    )
    invalidate(therapist_id)


@receiver(post_delete, sender=Addendum)
@receiver(post_delete, sender=ProcessNote)
def note_part_deleted(sender, instance, **kwargs) -> None:
    therapist_id = (
        TherapySession.objects.filter(pk=instance.session_id)
        .values_list("client__therapist_id", flat=True)
        .first()
    )
    invalidate(therapist_id)
