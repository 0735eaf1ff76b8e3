"""The one lock that orders every append to the audit log and to the integrity ledger.

SQLite: every transaction begins IMMEDIATE (config/settings.py), so a writer holds the database
write lock from its first statement. PostgreSQL: a transaction-level advisory lock, taken by a
record write before it changes any row, so that two writers always take locks in one order.
"""

from django.db import connections

PG_LOCK_KEY = 0x6175646974  # "audit" in ASCII


def take_append_lock(using: str) -> None:
    """Inside a transaction: wait for, and hold until commit, the append lock (re-entrant)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PG_LOCK_KEY])
