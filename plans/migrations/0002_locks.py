"""Database triggers that lock signed plan versions, and the progress of signed notes, against
every path (ORM, admin, raw SQL through the app's connection). Errors use SQLSTATE 23000 so
Django raises IntegrityError on both databases.

- A signed ``plans_planversion`` row: UPDATE and DELETE refused.
- A ``plans_noteprogress`` row whose note (``session_id``) is signed: INSERT, UPDATE and
  DELETE refused (an UPDATE is checked against the note before and after).

Three ways through, each only from inside one transaction:

- key rotation (``encryption/rotation.py``) re-encrypts values while a row exists in
  ``key_rotation_permit`` (therapy_sessions 0004): an UPDATE then passes if every plain column
  is unchanged;
- erasing a client's record deletes its plan with it: ``plans/erasure.py`` puts the client's id
  in ``plans_erasure_permit`` (plain SQL, not a model, so that ``flush`` never empties it) as the
  client's deletion starts, and takes it out when it ends;
- the test suite's ``flush`` empties every table while ``audit_purge_permit`` holds a row
  (audit/triggers.py; only with AUDIT_ALLOW_PURGE).

On SQLite, a later migration that rebuilds one of these tables drops its triggers, and one that
rebuilds ``therapy_sessions_therapysession`` fails ("error in trigger plans_progress_...: no such
table"), since the progress triggers read it: such a migration drops the progress triggers first
and runs ``SQLITE_CREATE`` again afterwards (as therapy_sessions 0005 does for its own).
"""

from django.db import migrations

VERSION_TABLE = "plans_planversion"
PROGRESS_TABLE = "plans_noteprogress"
SESSION_TABLE = "therapy_sessions_therapysession"
ERASURE_PERMIT = "plans_erasure_permit"

VERSION_PLAIN = [
    "id",
    "plan_id",
    "client_id",
    "number",
    "status",
    "created_at",
    "updated_at",
    "created_by_id",
    "signed_at",
    "signed_by_id",
    "content_hash",
    "version",
]
VERSION_ENCRYPTED = ["content", "review_date"]
PROGRESS_PLAIN = ["id", "session_id", "client_id", "plan_version_id", "created_at", "updated_at"]
PROGRESS_ENCRYPTED = ["entries"]

ROTATING = "EXISTS (SELECT 1 FROM key_rotation_permit)"
FLUSHING = "EXISTS (SELECT 1 FROM audit_purge_permit)"


def _erasing(row: str) -> str:
    return f"EXISTS (SELECT 1 FROM {ERASURE_PERMIT} WHERE client_id = {row}.client_id)"  # noqa: S608


def _signed_note(session_id: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {SESSION_TABLE} "  # noqa: S608
        f"WHERE id = {session_id} AND status = 'signed')"
    )


def _sqlite_unchanged(columns: list[str]) -> str:
    return " AND ".join(f"NEW.{column} IS OLD.{column}" for column in columns)


VERSION_LOCKED = "signed treatment plan versions cannot be changed; edit the plan instead"
PROGRESS_LOCKED = "the plan progress of a signed note cannot be changed; add an addendum"

SQLITE_CREATE = [
    f"""
    CREATE TRIGGER plans_version_signed_no_update
    BEFORE UPDATE ON {VERSION_TABLE}
    FOR EACH ROW WHEN OLD.status = 'signed' AND NOT (
        {ROTATING} AND {_sqlite_unchanged(VERSION_PLAIN)}
    )
    BEGIN
        SELECT RAISE(ABORT, '{VERSION_LOCKED}');
    END
    """,
    f"""
    CREATE TRIGGER plans_version_signed_no_delete
    BEFORE DELETE ON {VERSION_TABLE}
    FOR EACH ROW WHEN OLD.status = 'signed' AND NOT ({_erasing("OLD")} OR {FLUSHING})
    BEGIN
        SELECT RAISE(ABORT, '{VERSION_LOCKED}');
    END
    """,
    f"""
    CREATE TRIGGER plans_progress_signed_no_insert
    BEFORE INSERT ON {PROGRESS_TABLE}
    FOR EACH ROW WHEN {_signed_note("NEW.session_id")}
    BEGIN
        SELECT RAISE(ABORT, '{PROGRESS_LOCKED}');
    END
    """,
    f"""
    CREATE TRIGGER plans_progress_signed_no_update
    BEFORE UPDATE ON {PROGRESS_TABLE}
    FOR EACH ROW WHEN ({_signed_note("OLD.session_id")} OR {_signed_note("NEW.session_id")})
        AND NOT ({ROTATING} AND {_sqlite_unchanged(PROGRESS_PLAIN)})
    BEGIN
        SELECT RAISE(ABORT, '{PROGRESS_LOCKED}');
    END
    """,
    f"""
    CREATE TRIGGER plans_progress_signed_no_delete
    BEFORE DELETE ON {PROGRESS_TABLE}
    FOR EACH ROW WHEN {_signed_note("OLD.session_id")}
        AND NOT ({_erasing("OLD")} OR {FLUSHING})
    BEGIN
        SELECT RAISE(ABORT, '{PROGRESS_LOCKED}');
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS plans_version_signed_no_update",
    "DROP TRIGGER IF EXISTS plans_version_signed_no_delete",
    "DROP TRIGGER IF EXISTS plans_progress_signed_no_insert",
    "DROP TRIGGER IF EXISTS plans_progress_signed_no_update",
    "DROP TRIGGER IF EXISTS plans_progress_signed_no_delete",
]


def _pg_unchanged(encrypted: list[str]) -> str:
    # Every column except the encrypted ones, so that a plain column added later is covered too.
    names = ", ".join(f"'{column}'" for column in encrypted)
    return f"(to_jsonb(NEW) - ARRAY[{names}]::text[]) = (to_jsonb(OLD) - ARRAY[{names}]::text[])"


POSTGRES_CREATE = [
    f"""
    CREATE FUNCTION plans_refuse_signed_version_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF OLD.status = 'signed' AND NOT (
                {ROTATING} AND {_pg_unchanged(VERSION_ENCRYPTED)}
            ) THEN
                RAISE EXCEPTION '{VERSION_LOCKED}' USING ERRCODE = '23000';
            END IF;
            RETURN NEW;
        END IF;
        IF OLD.status = 'signed' AND NOT ({_erasing("OLD")} OR {FLUSHING}) THEN
            RAISE EXCEPTION '{VERSION_LOCKED}' USING ERRCODE = '23000';
        END IF;
        RETURN OLD;
    END
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER plans_version_signed_is_immutable
    BEFORE UPDATE OR DELETE ON {VERSION_TABLE}
    FOR EACH ROW EXECUTE FUNCTION plans_refuse_signed_version_change()
    """,
    f"""
    CREATE FUNCTION plans_refuse_locked_progress_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF {_signed_note("NEW.session_id")} THEN
                RAISE EXCEPTION '{PROGRESS_LOCKED}' USING ERRCODE = '23000';
            END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF ({_signed_note("OLD.session_id")} OR {_signed_note("NEW.session_id")})
                AND NOT ({ROTATING} AND {_pg_unchanged(PROGRESS_ENCRYPTED)}) THEN
                RAISE EXCEPTION '{PROGRESS_LOCKED}' USING ERRCODE = '23000';
            END IF;
            RETURN NEW;
        END IF;
        IF {_signed_note("OLD.session_id")} AND NOT ({_erasing("OLD")} OR {FLUSHING}) THEN
            RAISE EXCEPTION '{PROGRESS_LOCKED}' USING ERRCODE = '23000';
        END IF;
        RETURN OLD;
    END
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER plans_progress_signed_is_locked
    BEFORE INSERT OR UPDATE OR DELETE ON {PROGRESS_TABLE}
    FOR EACH ROW EXECUTE FUNCTION plans_refuse_locked_progress_change()
    """,
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS plans_version_signed_is_immutable ON {VERSION_TABLE}",
    "DROP FUNCTION IF EXISTS plans_refuse_signed_version_change()",
    f"DROP TRIGGER IF EXISTS plans_progress_signed_is_locked ON {PROGRESS_TABLE}",
    "DROP FUNCTION IF EXISTS plans_refuse_locked_progress_change()",
]
PERMIT_CREATE = {
    # The client's primary key as each database stores it (Django keeps UUIDs as 32 hex
    # digits on SQLite).
    "sqlite": [f"CREATE TABLE {ERASURE_PERMIT} (client_id char(32) NOT NULL PRIMARY KEY)"],
    "postgresql": [f"CREATE TABLE {ERASURE_PERMIT} (client_id uuid NOT NULL PRIMARY KEY)"],
}
PERMIT_DROP = [f"DROP TABLE IF EXISTS {ERASURE_PERMIT}"]

TRIGGERS = {
    "sqlite": {
        "plans_version_signed_no_update",
        "plans_version_signed_no_delete",
        "plans_progress_signed_no_insert",
        "plans_progress_signed_no_update",
        "plans_progress_signed_no_delete",
    },
    "postgresql": {"plans_version_signed_is_immutable", "plans_progress_signed_is_locked"},
}


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(f"No plan locking triggers for database vendor {vendor!r}.")
        for statement in statements_by_vendor[vendor]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
        ("therapy_sessions", "0004_key_rotation_permit"),
        ("audit", "0002_append_only"),
    ]

    operations = [
        migrations.RunPython(
            _run(
                {
                    "sqlite": [*PERMIT_CREATE["sqlite"], *SQLITE_CREATE],
                    "postgresql": [*PERMIT_CREATE["postgresql"], *POSTGRES_CREATE],
                }
            ),
            _run(
                {
                    "sqlite": [*SQLITE_DROP, *PERMIT_DROP],
                    "postgresql": [*POSTGRES_DROP, *PERMIT_DROP],
                }
            ),
        )
    ]
