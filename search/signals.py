"""Keep the in-memory indexes consistent with writes made through the ORM anywhere (forms,
cascades on erasure, seeding, other processes). Only a change counter is bumped here."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clients.models import Client
from sessions.models import Addendum, ProcessNote, TherapySession

from .index import invalidate


@receiver([post_save, post_delete], sender=Client)
def client_changed(sender, instance: Client, **kwargs) -> None:
    invalidate(instance.therapist_id)


@receiver([post_save, post_delete], sender=TherapySession)
def session_changed(sender, instance: TherapySession, **kwargs) -> None:
    therapist_id = (
        Client.objects.filter(pk=instance.client_id).values_list("therapist_id", flat=True).first()
    )
    invalidate(therapist_id)


@receiver([post_save, post_delete], sender=Addendum)
@receiver([post_save, post_delete], sender=ProcessNote)
def session_part_changed(sender, instance, **kwargs) -> None:
    therapist_id = (
        TherapySession.objects.filter(pk=instance.session_id)
        .values_list("client__therapist_id", flat=True)
        .first()
    )
    invalidate(therapist_id)
