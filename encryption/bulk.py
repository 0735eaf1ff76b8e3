"""Decrypting one column of many rows at once, without building model instances.

An encrypted field decrypts on attribute access, which needs a model instance. Pages that read
a single encrypted column over hundreds or thousands of rows (the theme links of every session
for the caseload, the note texts the search index is built from) fetch ``(pk, stored bytes)``
pairs with ``values_list`` instead: building the instances would cost far more than the
decryption itself.
"""

from collections.abc import Iterable

from django.db import models

from .envelope import open_many
from .fields import binding_text, parents_of
from .keys import get_keyring
from .signals import rows_opened


def decrypt_values(
    model: type[models.Model], field_name: str, rows: Iterable[tuple], *, checked: bool = False
) -> list:
    """Decrypt one encrypted column from ``(pk, stored bytes, *parents)`` rows, the parents
    being the values of ``model.encryption_parents`` in that order (e.g. a session's client id).

    Uses the field's own label, the row id and the parents as associated data, exactly as the
    field does, so a value moved to another row, or a row moved to another parent, still fails
    loudly.

    The rows are first checked against their integrity records (``rows_opened``), unless the
    caller has just done so for these rows (``checked=True``, e.g. several columns of the same
    rows).
    """
    encrypted = model._meta.get_field(field_name)
    label, keyring = encrypted.encryption_label, get_keyring()
    parents = parents_of(model)
    rows = list(rows)
    if not checked and rows:
        rows_opened.send(sender=model, pks=[row[0] for row in rows])
    items = []
    bindings: dict[tuple, str] = {}  # a few parents (clients) for many rows: each made once
    for pk, sealed, *parent_values in rows:
        if len(parent_values) != len(parents):
            raise TypeError(f"{model.__name__} rows need their parents {parents} after the value.")
        key = tuple(parent_values)
        binding = bindings.get(key)
        if binding is None:
            binding = bindings[key] = binding_text(dict(zip(parents, parent_values, strict=True)))
        items.append((sealed, str(pk), binding))
    from_bytes = encrypted.from_bytes
    return [from_bytes(plaintext) for plaintext in open_many(items, label=label, keyring=keyring)]
