"""Adding an encrypted column to a table that already has rows.

A plain ``AddField`` cannot work: the database would need one default value for every row, but
an encrypted value is bound to its row (the row id is in the associated data). So the column is
added as plain bytes, each existing row gets the field's default encrypted for that row, and the
column then becomes the encrypted field.
"""

from django.db import migrations, models

from .envelope import seal


def add_encrypted_field(app_label: str, model_name: str, name: str, field) -> list:
    label = field.encryption_label or f"{app_label}.{model_name.lower()}.{name}"

    def encrypt_default_for_existing_rows(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        plaintext = field.to_bytes(field.get_default())
        manager = model._default_manager.using(schema_editor.connection.alias)
        for pk in manager.values_list("pk", flat=True).iterator():
            manager.filter(pk=pk).update(**{name: seal(plaintext, label=label, row_id=str(pk))})

    return [
        migrations.AddField(model_name, name, models.BinaryField(default=b"")),
        migrations.RunPython(encrypt_default_for_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(model_name, name, field),
    ]
