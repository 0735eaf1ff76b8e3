"""Database triggers that keep signed notes and addenda unchangeable by any path (ORM, admin,
raw SQL through the app's connection). Deleting stays possible: erasing a client's record is a
legal duty. Errors use SQLSTATE 23000 so Django raises IntegrityError on both databases."""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE TRIGGER therapy_session_signed_is_immutable
    BEFORE UPDATE ON therapy_sessions_therapysession
    FOR EACH ROW WHEN OLD.status = 'signed'
    BEGIN
        SELECT RAISE(ABORT, 'signed session notes cannot be changed; add an addendum');
    END
    """,
    """
    CREATE TRIGGER therapy_addendum_is_immutable
    BEFORE UPDATE ON therapy_sessions_addendum
    FOR EACH ROW
    BEGIN
        SELECT RAISE(ABORT, 'addenda cannot be changed');
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS therapy_session_signed_is_immutable",
    "DROP TRIGGER IF EXISTS therapy_addendum_is_immutable",
]

POSTGRES_CREATE = [
    """
    CREATE FUNCTION therapy_refuse_signed_session_update() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION 'signed session notes cannot be changed; add an addendum'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER therapy_session_signed_is_immutable
    BEFORE UPDATE ON therapy_sessions_therapysession
    FOR EACH ROW EXECUTE FUNCTION therapy_refuse_signed_session_update()
    """,
    """
    CREATE FUNCTION therapy_refuse_addendum_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'addenda cannot be changed' USING ERRCODE = '23000';
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER therapy_addendum_is_immutable
    BEFORE UPDATE ON therapy_sessions_addendum
    FOR EACH ROW EXECUTE FUNCTION therapy_refuse_addendum_update()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS therapy_session_signed_is_immutable ON therapy_sessions_therapysession",
    "DROP FUNCTION IF EXISTS therapy_refuse_signed_session_update()",
    "DROP TRIGGER IF EXISTS therapy_addendum_is_immutable ON therapy_sessions_addendum",
    "DROP FUNCTION IF EXISTS therapy_refuse_addendum_update()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(f"No immutability triggers for database vendor {vendor!r}.")
        for statement in statements_by_vendor[vendor]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0002_record_lifecycle")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
