"""Helpers for audit tests, usable by other apps' tests too (``new_entries``)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test import RequestFactory

from audit.models import AuditEvent
from audit.triggers import AUDIT_TABLE
from tests.records import raw


@contextmanager
def new_entries() -> Iterator[list[AuditEvent]]:
    """The audit entries written inside the block, oldest first."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    entries: list[AuditEvent] = []
    yield entries
    entries.extend(AuditEvent.objects.filter(seq__gt=last).order_by("seq"))


@contextmanager
def triggers_off() -> Iterator[None]:
    """Take the append-only triggers away, as a database superuser could, and put them back.

    Only for tests inside a transaction (TestCase): the change is rolled back with it anyway.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [AUDIT_TABLE],
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in saved:
                cursor.execute(sql)
        else:
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER")
            yield
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER USER")


def audit_rows() -> list[tuple]:
    """Every column of every audit row, as the database holds it."""
    return raw(f"SELECT * FROM {AUDIT_TABLE} ORDER BY seq")  # noqa: S608


def request_from(user, ip: str = "192.0.2.10"):
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.user = user
    return request
