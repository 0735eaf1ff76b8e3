"""The suggestions dismissed on a note (``TherapySession.dismissed_themes``), encrypted.

Existing rows, signed ones included, get the encrypted empty list. Two things stand in the way,
so the signed-note trigger is dropped first and put back last:

- the trigger of 0004 refuses the UPDATE that writes the default into a signed row;
- on SQLite, adding a NOT NULL column rebuilds the table, which drops its triggers.

On PostgreSQL the trigger function is replaced too: it compares every column except the
encrypted ones, and the new column is encrypted (key rotation re-encrypts it).
"""

import importlib

from django.db import migrations

import encryption.fields
from encryption.migration_ops import add_encrypted_field

_permit = importlib.import_module("sessions.migrations.0004_key_rotation_permit")
_run = _permit._previous._run

SESSION_ENCRYPTED = [*_permit.SESSION_ENCRYPTED, "dismissed_themes"]

SQLITE_DROP = ["DROP TRIGGER IF EXISTS therapy_session_signed_is_immutable"]
SQLITE_CREATE = [
    f"""
    CREATE TRIGGER therapy_session_signed_is_immutable
    BEFORE UPDATE ON {_permit.SESSION_TABLE}
    FOR EACH ROW WHEN OLD.status = 'signed' AND NOT (
        {_permit._PERMITTED} AND {_permit._sqlite_unchanged(_permit.SESSION_PLAIN)}
    )
    BEGIN
        SELECT RAISE(ABORT, 'signed session notes cannot be changed; add an addendum');
    END
    """
]

POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS therapy_session_signed_is_immutable ON {_permit.SESSION_TABLE}"
]


def _postgres_create(encrypted: list[str]) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION therapy_refuse_signed_session_update() RETURNS trigger AS $$
        BEGIN
            IF OLD.status = 'signed' AND NOT (
                {_permit._PERMITTED} AND {_permit._pg_unchanged(encrypted)}
            ) THEN
                RAISE EXCEPTION 'signed session notes cannot be changed; add an addendum'
                    USING ERRCODE = '23000';
            END IF;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER therapy_session_signed_is_immutable
        BEFORE UPDATE ON {_permit.SESSION_TABLE}
        FOR EACH ROW EXECUTE FUNCTION therapy_refuse_signed_session_update()
        """,
    ]


drop_trigger = _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0004_key_rotation_permit")]

    operations = [
        migrations.RunPython(
            drop_trigger,
            # Back to the trigger of 0004, whose function compares the 0004 columns.
            _run(
                {
                    "sqlite": SQLITE_CREATE,
                    "postgresql": _postgres_create(_permit.SESSION_ENCRYPTED),
                }
            ),
        ),
        *add_encrypted_field(
            "therapy_sessions",
            "therapysession",
            "dismissed_themes",
            encryption.fields.EncryptedJSONField(
                default=list,
                editable=False,
                label="therapy_sessions.therapysession.dismissed_themes",
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": _postgres_create(SESSION_ENCRYPTED)}),
            drop_trigger,
        ),
    ]
