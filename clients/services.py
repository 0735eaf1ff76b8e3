from django.db import IntegrityError, transaction
from django.db.models import Max

from .models import Client

_CODE_ATTEMPTS = 5


def create_client(*, therapist, client: Client) -> Client:
    """Save a new client with the therapist's next client number (C-0001, C-0002, ...)."""
    client.therapist = therapist
    for attempt in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                highest = Client.objects.filter(therapist=therapist).aggregate(Max("number"))
                client.number = (highest["number__max"] or 0) + 1
                client.save(force_insert=True)
                return client
        except IntegrityError:
            # Another request took the same number between the read and the insert.
            if attempt == _CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
