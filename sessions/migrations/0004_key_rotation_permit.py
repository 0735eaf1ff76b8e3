"""Let key rotation (``manage.py rotate_keys``) re-encrypt signed notes and addenda.

The triggers of 0003 refuse every UPDATE of a signed session and of an addendum. Re-encrypting
under a new key changes the stored bytes but not the plaintext (the content seal stays valid), so
the triggers are replaced by ones that let an UPDATE through only when both hold:

- a row exists in ``key_rotation_permit``. Only the rotation inserts one, inside each batch's
  own transaction, and deletes it before committing: no other connection ever sees it;
- every plain (unencrypted) column is unchanged: status, signature, hash, dates, links.

Without a permit row, everything stays refused exactly as before. Errors keep SQLSTATE 23000.
"""

import importlib

from django.db import migrations

PERMIT_TABLE = "key_rotation_permit"
SESSION_TABLE = "therapy_sessions_therapysession"
ADDENDUM_TABLE = "therapy_sessions_addendum"

SESSION_PLAIN = [
    "id",
    "client_id",
    "date",
    "start_time",
    "duration_minutes",
    "session_type",
    "modality",
    "note_format",
    "next_appointment",
    "created_at",
    "updated_at",
    "status",
    "version",
    "signed_at",
    "signed_by_id",
    "content_hash",
]
SESSION_ENCRYPTED = [
    "note",
    "mood_affect",
    "risk_level",
    "risk_notes",
    "interventions",
    "plan",
    "themes",
]
ADDENDUM_PLAIN = ["id", "session_id", "author_id", "created_at", "content_hash"]
ADDENDUM_ENCRYPTED = ["text"]

_previous = importlib.import_module("sessions.migrations.0003_immutability_triggers")


def _sqlite_unchanged(columns):
    return " AND ".join(f"NEW.{column} IS OLD.{column}" for column in columns)


_PERMITTED = "EXISTS (SELECT 1 FROM key_rotation_permit)"

SQLITE_CREATE = [
    f"CREATE TABLE {PERMIT_TABLE} (id integer NOT NULL PRIMARY KEY)",
    *_previous.SQLITE_DROP,
    f"""
    CREATE TRIGGER therapy_session_signed_is_immutable
    BEFORE UPDATE ON {SESSION_TABLE}
    FOR EACH ROW WHEN OLD.status = 'signed' AND NOT (
        {_PERMITTED} AND {_sqlite_unchanged(SESSION_PLAIN)}
    )
    BEGIN
        SELECT RAISE(ABORT, 'signed session notes cannot be changed; add an addendum');
    END
    """,
    f"""
    CREATE TRIGGER therapy_addendum_is_immutable
    BEFORE UPDATE ON {ADDENDUM_TABLE}
    FOR EACH ROW WHEN NOT ({_PERMITTED} AND {_sqlite_unchanged(ADDENDUM_PLAIN)})
    BEGIN
        SELECT RAISE(ABORT, 'addenda cannot be changed');
    END
    """,
]
SQLITE_REVERSE = [*_previous.SQLITE_DROP, *_previous.SQLITE_CREATE, f"DROP TABLE {PERMIT_TABLE}"]


def _pg_unchanged(encrypted):
    # Every column except the encrypted ones, so that a plain column added later is covered too.
    names = ", ".join(f"'{column}'" for column in encrypted)
    return f"(to_jsonb(NEW) - ARRAY[{names}]::text[]) = (to_jsonb(OLD) - ARRAY[{names}]::text[])"


POSTGRES_CREATE = [
    f"CREATE TABLE {PERMIT_TABLE} (id integer NOT NULL PRIMARY KEY)",
    f"""
    CREATE OR REPLACE FUNCTION therapy_refuse_signed_session_update() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'signed' AND NOT (
            {_PERMITTED} AND {_pg_unchanged(SESSION_ENCRYPTED)}
        ) THEN
            RAISE EXCEPTION 'signed session notes cannot be changed; add an addendum'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE OR REPLACE FUNCTION therapy_refuse_addendum_update() RETURNS trigger AS $$
    BEGIN
        IF NOT ({_PERMITTED} AND {_pg_unchanged(ADDENDUM_ENCRYPTED)}) THEN
            RAISE EXCEPTION 'addenda cannot be changed' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
]
POSTGRES_REVERSE = [
    *_previous.POSTGRES_DROP,
    *_previous.POSTGRES_CREATE,
    f"DROP TABLE {PERMIT_TABLE}",
]


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0003_immutability_triggers")]

    operations = [
        migrations.RunPython(
            _previous._run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _previous._run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
