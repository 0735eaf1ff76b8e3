"""Make the integrity ledger append-only, as the audit log is (audit 0002): triggers refuse
UPDATE, DELETE and TRUNCATE, except DELETE/TRUNCATE while the audit's purge permit row exists
(only the test suite's ``flush``; see audit/triggers.py)."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER integrity_rowseal_no_update BEFORE UPDATE ON integrity_rowseal
    BEGIN SELECT RAISE(ABORT, 'integrity ledger is append-only'); END""",
    """CREATE TRIGGER integrity_rowseal_no_delete BEFORE DELETE ON integrity_rowseal
    WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit)
    BEGIN SELECT RAISE(ABORT, 'integrity ledger is append-only'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS integrity_rowseal_no_delete",
    "DROP TRIGGER IF EXISTS integrity_rowseal_no_update",
]
POSTGRESQL_FORWARD = [
    """CREATE FUNCTION integrity_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' OR NOT EXISTS (SELECT 1 FROM audit_purge_permit) THEN
            RAISE EXCEPTION 'integrity ledger is append-only' USING ERRCODE = '23000';
        END IF;
        IF TG_LEVEL = 'ROW' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER integrity_rowseal_append_only BEFORE UPDATE OR DELETE ON integrity_rowseal
    FOR EACH ROW EXECUTE FUNCTION integrity_refuse_change()""",
    """CREATE TRIGGER integrity_rowseal_no_truncate BEFORE TRUNCATE ON integrity_rowseal
    FOR EACH STATEMENT EXECUTE FUNCTION integrity_refuse_change()""",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS integrity_rowseal_no_truncate ON integrity_rowseal",
    "DROP TRIGGER IF EXISTS integrity_rowseal_append_only ON integrity_rowseal",
    "DROP FUNCTION IF EXISTS integrity_refuse_change()",
]
STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}


def _run(schema_editor, direction: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"No append-only triggers for the {vendor} database.")
    for statement in STATEMENTS[vendor][direction]:
        schema_editor.execute(statement)


def forward(apps, schema_editor) -> None:
    _run(schema_editor, 0)


def backward(apps, schema_editor) -> None:
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("integrity", "0001_initial"), ("audit", "0002_append_only")]

    operations = [migrations.RunPython(forward, backward)]
