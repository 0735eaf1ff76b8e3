"""Tampering as someone with write access to the database would: raw SQL through the app's
connection, never the models' own write paths (which would write the ledger); and the test case
that checks each tampered record is refused on its page and found by ``verify_records``."""

import datetime
from contextlib import contextmanager
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from audit.models import Action, Outcome
from integrity.specs import columns
from sessions.models import TherapySession
from tests.audit.helpers import new_entries
from tests.base import PersonaTestCase
from tests.builders import session_edit_form
from tests.records import db_pk, raw


def _prepared(model, name, value):
    field = next(f for f in model._meta.concrete_fields if f.attname == name)
    if isinstance(value, bytes | bytearray | memoryview) or value is None:
        return None if value is None else connection.Database.Binary(bytes(value))
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value  # read back raw (SQLite): written back exactly as it was
    return field.get_db_prep_save(value, connection)


def raw_row(model, pk) -> dict:
    """Every stored column of one row as the database holds it ({attname: value}); encrypted
    values as their stored bytes."""
    names = columns(model)
    select = ", ".join(connection.ops.quote_name(name) for name in names)  # column = attname
    (row,) = raw(
        f"SELECT {select} FROM {model._meta.db_table} WHERE id = %s",  # noqa: S608
        [db_pk(model, pk)],
    )
    return {
        name: bytes(v) if isinstance(v, memoryview) else v
        for name, v in zip(names, row, strict=True)
    }


def raw_set(model, pk, **values) -> None:
    """UPDATE one row's columns (attnames) with stored values, by raw SQL."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(name)} = %s" for name in values)
    params = [_prepared(model, name, value) for name, value in values.items()]
    raw(
        f"UPDATE {model._meta.db_table} SET {assignments} WHERE id = %s",  # noqa: S608
        [*params, db_pk(model, pk)],
    )


def raw_insert(model, row: dict) -> None:
    quote = connection.ops.quote_name
    names = list(row)
    params = [_prepared(model, name, row[name]) for name in names]
    if "id" in row:
        params[names.index("id")] = db_pk(model, row["id"])
    raw(
        f"INSERT INTO {model._meta.db_table} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(names))})",
        params,
    )


def raw_delete(model, pk) -> None:
    raw(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [db_pk(model, pk)])  # noqa: S608


def verify() -> tuple[int, str]:
    """Run ``verify_records``: (exit status, stdout + the error line)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_records", stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


@contextmanager
def ledger_check_off():
    """The negative control: records are not checked against the ledger when read (neither one
    by one, on first decryption, nor a list at a time, when a queryset is evaluated)."""
    from encryption.signals import record_opened, rows_opened
    from integrity.receivers import _opened, _rows

    record_opened.disconnect(dispatch_uid="integrity-opened")
    rows_opened.disconnect(dispatch_uid="integrity-rows")
    try:
        with (
            mock.patch("integrity.check.check_loaded"),
            mock.patch("clients.views.check_loaded"),
            mock.patch("search.services._check_shown"),
        ):
            yield
    finally:
        record_opened.connect(_opened, dispatch_uid="integrity-opened")
        rows_opened.connect(_rows, dispatch_uid="integrity-rows")


PAGE_TEXT = "changed outside Therapy Notes"


class TamperTestCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.session = self.alice_session

    def assert_refused(self, url: str) -> None:
        with new_entries() as entries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, PAGE_TEXT, status_code=409)
        failures = [e for e in entries if e.action == Action.INTEGRITY_FAILURE]
        self.assertEqual(len(failures), 1)
        self.assertEqual(failures[0].outcome, Outcome.FAILED)

    def assert_refused_post(self, url: str, data: dict) -> None:
        with new_entries() as entries:
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, PAGE_TEXT, status_code=409)
        self.assertEqual(
            [e.action for e in entries if e.action == Action.INTEGRITY_FAILURE],
            [Action.INTEGRITY_FAILURE],
        )

    def assert_found(self, table_model, pk, kind: str) -> None:
        status, output = verify()
        self.assertEqual(status, 1, output)
        self.assertIn(f"{table_model._meta.db_table} row {pk}: {kind}", output)

    def session_url(self, session=None) -> str:
        return reverse("session_detail", args=[(session or self.session).pk])

    def edit(self, **changes) -> None:
        session = TherapySession.objects.get(pk=self.session.pk)
        response = self.client.post(
            reverse("session_edit", args=[session.pk]), session_edit_form(session, **changes)
        )
        self.assertEqual(response.status_code, 302, getattr(response, "content", b"")[:400])
