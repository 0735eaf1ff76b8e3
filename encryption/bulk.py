"""Decrypting one column of many rows at once, without building model instances.

An encrypted field decrypts on attribute access, which needs a model instance. Pages that read
a single encrypted column over hundreds or thousands of rows (the theme links of every session
for the caseload, the note texts the search index is built from) fetch ``(pk, stored bytes)``
pairs with ``values_list`` instead: building the instances would cost far more than the
decryption itself.
"""

from collections.abc import Iterable

from django.db import models

from .envelope import open_sealed
from .keys import get_keyring


def decrypt_values(model: type[models.Model], field_name: str, rows: Iterable[tuple]) -> list:
    """Decrypt one encrypted column from ``(pk, stored bytes)`` pairs, e.g. from values_list.

    Uses the field's own label and the row id as associated data, exactly as the field does, so
    a value moved to another row still fails loudly.
    """
    encrypted = model._meta.get_field(field_name)
    label, keyring = encrypted.encryption_label, get_keyring()
    return [
        encrypted.from_bytes(open_sealed(sealed, label=label, row_id=str(pk), keyring=keyring))
        for pk, sealed in rows
    ]
