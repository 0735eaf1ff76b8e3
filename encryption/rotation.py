"""Re-encrypting stored values under the primary key (``manage.py rotate_keys``).

How it stays safe while the app keeps serving, and after being killed at any point:

- Each model is walked in primary-key order, in batches. Each batch is one transaction: it
  reads the raw stored bytes (``values_list``, never decrypting through the model), and for every
  value whose key id is not the primary decrypts it with its own key (label + row id, as the
  field does) and seals the same plaintext afresh under the primary key.
- Each value is written back by a raw conditional UPDATE, ``... WHERE pk = %s AND column = %s``
  with the bytes that were read. The ORM cannot express this on purpose (lookups on encrypted
  fields raise ``PlaintextQueryError``), hence raw SQL through Django's cursor with quoted names.
  If the app saved the row in between, the condition matches nothing and the app's newer value
  (sealed under the primary key by the app) is kept: a concurrent write is never overwritten.
- Nothing records progress. Killed mid-batch, the batch's transaction rolls back and every value
  is as it was (old key, still readable); a re-run finds the values still under old keys and
  continues. Running it again when everything is done changes nothing.
- Signed sessions and addenda are protected by triggers that refuse UPDATE. Each batch inserts a
  row in ``key_rotation_permit`` inside its own transaction and deletes it before committing, so
  no other connection ever sees it; with that row the triggers let an UPDATE through when every
  plain column is unchanged (migration therapy_sessions 0004). Re-encryption does not change the
  plaintext, so the signed content seal (``integrity_ok``) stays valid.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connections, transaction
from django.db.models import Model

from .envelope import key_id_of, open_sealed, seal
from .errors import EncryptionError
from .fields import EncryptedField, binding_text, parents_of
from .keys import Keyring, get_keyring
from .signals import rewrite_starting, values_rewritten

PERMIT_TABLE = "key_rotation_permit"
DEFAULT_BATCH_SIZE = 500


@dataclass
class RotationResult:
    rotated: int = 0  # values re-encrypted under the primary key
    changed_meanwhile: int = 0  # rows the app wrote between our read and our write (kept)
    failed: list[str] = field(default_factory=list)  # "model.field row <id>: <error class>"


def encrypted_models() -> list[tuple[type[Model], list[EncryptedField]]]:
    """Every concrete model with encrypted fields, and those fields, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


def _name(model: type[Model], field: EncryptedField) -> str:
    return f"{model._meta.label}.{field.name}"


def census(using: str = "default") -> dict[str, Counter]:
    """{"app.Model.field": Counter({key id: number of values})}. Reads headers only."""
    result: dict[str, Counter] = {}
    for model, fields in encrypted_models():
        counters = [Counter() for _ in fields]
        rows = model._base_manager.using(using).values_list(*(f.attname for f in fields))
        for row in rows.iterator(chunk_size=2000):
            for counter, blob in zip(counters, row, strict=True):
                if blob is not None:
                    counter[key_id_of(bytes(blob))] += 1
        for f, counter in zip(fields, counters, strict=True):
            result[_name(model, f)] = counter
    return result


def values_to_rotate(counts: dict[str, Counter], primary_id: int) -> int:
    return sum(
        n for counter in counts.values() for key_id, n in counter.items() if key_id != primary_id
    )


def rotate(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    using: str = "default",
    keyring: Keyring | None = None,
    pause: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> RotationResult:
    """Re-encrypt every value not under the primary key. ``progress(n)`` is called after each
    batch that had work, with the number of old-key values handled so far."""
    keyring = keyring or get_keyring()
    result = RotationResult()
    handled = 0
    for model, fields in encrypted_models():
        last_pk = None
        while True:
            queryset = model._base_manager.using(using).order_by("pk")
            if last_pk is not None:
                queryset = queryset.filter(pk__gt=last_pk)
            parents = parents_of(model)
            queryset = queryset.values_list("pk", *parents, *(f.attname for f in fields))
            with transaction.atomic(using=using):
                rows = list(queryset[:batch_size])
                done = _rotate_rows(model, parents, fields, rows, keyring, using, result)
            if done:
                handled += done
                if progress is not None:
                    progress(handled)
                if pause:
                    time.sleep(pause)
            if len(rows) < batch_size:
                break
            last_pk = rows[-1][0]
    return result


def _rotate_rows(
    model: type[Model],
    parents: tuple[str, ...],
    fields: list[EncryptedField],
    rows: list[tuple],
    keyring: Keyring,
    using: str,
    result: RotationResult,
) -> int:
    """Re-encrypt the old-key values of ``rows`` (inside the caller's transaction)."""
    work = [
        (row[0], binding_text(dict(zip(parents, row[1 : 1 + len(parents)], strict=True))), f, blob)
        for row in rows
        for f, blob in zip(fields, row[1 + len(parents) :], strict=True)
        if blob is not None and key_id_of(bytes(blob)) != keyring.primary_id
    ]
    if not work:
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    table, permit = quote(model._meta.db_table), quote(PERMIT_TABLE)
    pk_field = model._meta.pk
    rewrite_starting.send(sender=model, using=using)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {permit} (id) VALUES (1)")  # noqa: S608
        rewritten = set()
        for pk, binding, f, blob in work:
            row_id, old = str(pk), bytes(blob)
            try:
                plaintext = open_sealed(
                    old, label=f.encryption_label, row_id=row_id, binding=binding, keyring=keyring
                )
            except EncryptionError as exc:
                # Never overwrite what cannot be read: report it and leave it as it is.
                result.failed.append(f"{_name(model, f)} row {pk}: {exc.__class__.__name__}")
                continue
            new = seal(
                plaintext, label=f.encryption_label, row_id=row_id, binding=binding, keyring=keyring
            )
            column = quote(f.column)
            cursor.execute(
                f"UPDATE {table} SET {column} = %s "  # noqa: S608
                f"WHERE {quote(pk_field.column)} = %s AND {column} = %s",
                [
                    connection.Database.Binary(new),
                    pk_field.get_db_prep_value(pk, connection),
                    connection.Database.Binary(old),
                ],
            )
            if cursor.rowcount == 1:
                result.rotated += 1
                rewritten.add(pk)
            else:
                result.changed_meanwhile += 1
        cursor.execute(f"DELETE FROM {permit}")  # noqa: S608
    if rewritten:
        # The rows' stored bytes changed: their integrity records follow, in this transaction.
        values_rewritten.send(sender=model, pks=sorted(rewritten), using=using)
    return len(work)
