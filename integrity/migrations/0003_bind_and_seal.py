"""Bind every stored value to its parent record and give every record its first integrity
entry.

Values written before this migration are in envelope version 1 (row and field only). Each is
decrypted and sealed again in version 2, with the row's parent in the associated data (see
encryption/envelope.py). Signed sessions and addenda are rewritten through the key-rotation
permit (therapy_sessions 0004), which lets an UPDATE through only when no plain column changes:
the plaintext is the same, so their content seals stay valid. Then each record gets its first
ledger entry. The lists below are frozen here: historical models do not carry
``encryption_parents`` or ``integrity_parent``.

Backwards: the values go back to version 1 (the ledger table is dropped by 0001's reverse).
"""

from django.db import migrations

from encryption.envelope import (
    UNBOUND_VERSION,
    open_sealed,
    reading_unbound_values,
    seal,
    seal_unbound,
    version_of,
)
from encryption.fields import EncryptedField, Sealed, binding_text
from integrity import ledger
from integrity.specs import Spec

PERMIT_TABLE = "key_rotation_permit"
BATCH = 500
# (app label, model, parents bound into the values, integrity spec or None)
MODELS = [
    ("clients", "Client", ("therapist_id",), Spec("therapist_id")),
    ("clients", "Disclosure", ("client_id",), Spec("client_id")),
    ("therapy_sessions", "TherapySession", ("client_id",), Spec("client_id", "status")),
    ("therapy_sessions", "Addendum", ("session_id",), Spec("session_id")),
    ("therapy_sessions", "ProcessNote", ("session_id",), Spec("session_id")),
    ("therapy_sessions", "SessionDraft", ("author_id", "client_id", "session_id"), None),
    ("themes", "ClientThemeExclusion", ("client_id",), Spec("client_id")),
]


def _rewrite(apps, schema_editor, *, bind: bool) -> None:
    using = schema_editor.connection.alias
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PERMIT_TABLE} (id) VALUES (1)")  # noqa: S608
    try:
        for app_label, model_name, parents, spec in MODELS:
            model = apps.get_model(app_label, model_name)
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
            manager = model._base_manager.using(using)
            last_pk = None
            while True:
                rows = manager.order_by("pk")
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                rows = list(rows.values_list("pk", *parents, *(f.attname for f in fields))[:BATCH])
                for pk, *values in rows:
                    binding = binding_text(dict(zip(parents, values[: len(parents)], strict=True)))
                    blobs = values[len(parents) :]
                    changes = {
                        f.attname: Sealed(_convert(bytes(blob), f, str(pk), binding, bind))
                        for f, blob in zip(fields, blobs, strict=True)
                        if blob is not None
                    }
                    manager.filter(pk=pk).update(**changes)
                if bind and spec is not None and rows:
                    ledger.record_rows(model, [row[0] for row in rows], using=using, spec=spec)
                if len(rows) < BATCH:
                    break
                last_pk = rows[-1][0]
    finally:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {PERMIT_TABLE}")  # noqa: S608


def _convert(blob: bytes, field, row_id: str, binding: str, bind: bool) -> bytes:
    label = field.encryption_label
    if bind:
        if version_of(blob) != UNBOUND_VERSION:
            return blob  # already bound (a re-run)
        with reading_unbound_values():
            plaintext = open_sealed(blob, label=label, row_id=row_id)
        return seal(plaintext, label=label, row_id=row_id, binding=binding)
    if version_of(blob) == UNBOUND_VERSION:
        return blob
    plaintext = open_sealed(blob, label=label, row_id=row_id, binding=binding)
    return seal_unbound(plaintext, label=label, row_id=row_id)


def forward(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, bind=True)


def backward(apps, schema_editor) -> None:
    _rewrite(apps, schema_editor, bind=False)


class Migration(migrations.Migration):
    dependencies = [
        ("integrity", "0002_append_only"),
        ("clients", "0003_client_numbering"),
        ("therapy_sessions", "0005_dismissed_themes"),
        ("themes", "0005_client_theme_exclusion"),
    ]

    operations = [migrations.RunPython(forward, backward)]
