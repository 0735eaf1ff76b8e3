"""The people named in a client's notes, with their role (``Client.other_names``), encrypted.

Existing clients get the encrypted empty list, bound to their therapist. The clients table has
no triggers, so SQLite's rebuild of the table for the new NOT NULL column loses nothing. A new
column changes every client's row digest: each row gets a ledger entry as it is now, in both
directions (going back, after the column is gone).
"""

from django.db import migrations

import encryption.fields
from encryption.migration_ops import add_encrypted_field
from integrity.migration_ops import renew_records

_renew = renew_records("clients", "Client")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_client_numbering"),
        ("integrity", "0003_bind_and_seal"),
    ]

    operations = [
        # Runs last when going backwards, once the column is removed.
        migrations.RunPython(migrations.RunPython.noop, _renew.code),
        *add_encrypted_field(
            "clients",
            "client",
            "other_names",
            encryption.fields.EncryptedJSONField(
                default=list, editable=False, label="clients.client.other_names"
            ),
            parents=("therapist_id",),
        ),
        _renew,
    ]
