"""Erasing a client's record takes their plan with it, signed versions included.

The triggers of migration plans 0002 refuse to delete a signed plan version, or the progress of
a signed note, unless the client's id is in ``plans_erasure_permit``. Deleting a client
(``clients.services.erase_client``, the one place that does) deletes its rows children first,
so the permit is given when the client's deletion starts (``pre_delete``, sent before any row
is deleted, inside the deletion's transaction) and taken back when it ends (``post_delete``).
A failed deletion rolls back with its permit; no other connection ever sees one.

An integrity guard, not business logic: the signal only opens the lock the triggers hold for
the one legal reason to lift it.
"""

from django.db import connections
from django.db.models.signals import post_delete, pre_delete

from clients.models import Client

PERMIT_TABLE = "plans_erasure_permit"


def _client_key(instance, connection):
    return Client._meta.pk.get_db_prep_value(instance.pk, connection)


def _permit(sender, instance, using, **kwargs) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PERMIT_TABLE} (client_id) VALUES (%s)",  # noqa: S608
            [_client_key(instance, connection)],
        )


def _withdraw(sender, instance, using, **kwargs) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {PERMIT_TABLE} WHERE client_id = %s",  # noqa: S608
            [_client_key(instance, connection)],
        )


def connect() -> None:
    pre_delete.connect(_permit, sender=Client, dispatch_uid="plans-erasure-permit")
    post_delete.connect(_withdraw, sender=Client, dispatch_uid="plans-erasure-withdraw")
