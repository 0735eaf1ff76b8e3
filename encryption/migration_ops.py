"""Adding an encrypted column to a table that already has rows.

A plain ``AddField`` cannot work: the database would need one default value for every row, but
an encrypted value is bound to its row (the row id is in the associated data). So the column is
added as plain bytes, each existing row gets the field's default encrypted for that row, and the
column then becomes the encrypted field.

``parents`` names the model's ``encryption_parents`` (historical models do not carry it). With
``parents=None`` the values are written in the version 1 format without a parent: only for the
migrations written before parents were bound, which run before the migration that re-encrypts
every value (integrity 0002). A table with integrity records needs them renewed after its
columns change: see ``integrity.migration_ops``.
"""

from django.db import migrations, models

from .envelope import seal, seal_unbound
from .fields import binding_text


def add_encrypted_field(
    app_label: str, model_name: str, name: str, field, parents: tuple[str, ...] | None = None
) -> list:
    label = field.encryption_label or f"{app_label}.{model_name.lower()}.{name}"

    def encrypt_default_for_existing_rows(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        plaintext = field.to_bytes(field.get_default())
        manager = model._default_manager.using(schema_editor.connection.alias)
        names = parents or ()
        for pk, *values in manager.values_list("pk", *names).iterator():
            if parents is None:
                value = seal_unbound(plaintext, label=label, row_id=str(pk))
            else:
                binding = binding_text(dict(zip(names, values, strict=True)))
                value = seal(plaintext, label=label, row_id=str(pk), binding=binding)
            manager.filter(pk=pk).update(**{name: value})

    return [
        migrations.AddField(model_name, name, models.BinaryField(default=b"")),
        migrations.RunPython(encrypt_default_for_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(model_name, name, field),
    ]
