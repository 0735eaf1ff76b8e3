"""Run-time side of the append-only triggers created by migration 0002.

The triggers refuse UPDATE, DELETE and TRUNCATE on the audit table. A row in
``audit_purge_permit`` lets DELETE and TRUNCATE through: only the ``flush`` command inserts one,
only when ``AUDIT_ALLOW_PURGE`` is on (the test suite), and inside the flush's own transaction,
so that no other connection ever sees it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "audit_auditevent"
PERMIT_TABLE = "audit_purge_permit"
TRIGGERS = {
    "sqlite": {"audit_auditevent_no_update", "audit_auditevent_no_delete"},
    "postgresql": {"audit_auditevent_append_only", "audit_auditevent_no_truncate"},
}


def installed_triggers(connection: BaseDatabaseWrapper, table: str = AUDIT_TABLE) -> set[str]:
    """Names of the enabled triggers on the audit table (or another table)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                "AND NOT tgisinternal AND tgenabled <> 'D'",
                [table],
            )
        else:
            return set()
        return {name for (name,) in cursor.fetchall()}


def triggers_missing(connection: BaseDatabaseWrapper) -> set[str]:
    return TRIGGERS.get(connection.vendor, set()) - installed_triggers(connection)


@contextmanager
def purge_permit(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let DELETE and TRUNCATE of the audit table through, for this transaction only."""
    if PERMIT_TABLE not in connection.introspection.table_names():
        yield  # not migrated yet: no triggers to pass
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PERMIT_TABLE} (id) VALUES (1)")  # noqa: S608
        yield
        cursor.execute(f"DELETE FROM {PERMIT_TABLE}")  # noqa: S608
