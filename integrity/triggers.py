"""The integrity ledger's append-only triggers (migration integrity 0002)."""

from django.db.backends.base.base import BaseDatabaseWrapper

from audit.triggers import installed_triggers

LEDGER_TABLE = "integrity_rowseal"
LEDGER_TRIGGERS = {
    "sqlite": {"integrity_rowseal_no_update", "integrity_rowseal_no_delete"},
    "postgresql": {"integrity_rowseal_append_only", "integrity_rowseal_no_truncate"},
}


def ledger_triggers_missing(connection: BaseDatabaseWrapper) -> set[str]:
    expected = LEDGER_TRIGGERS.get(connection.vendor, set())
    return expected - installed_triggers(connection, LEDGER_TABLE)
