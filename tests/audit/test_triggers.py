"""The database refuses to change or delete audit entries, by any route the app could take;
only the test suite's flush may empty the table."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command, get_commands
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings

from audit.chain import verify_chain
from audit.models import Action, AuditEvent
from audit.services import log_event
from audit.triggers import AUDIT_TABLE, PERMIT_TABLE, TRIGGERS, installed_triggers
from integrity.triggers import ledger_triggers_missing
from tests.audit.helpers import request_from
from tests.base import make_therapist
from tests.records import raw

T = AUDIT_TABLE


class AppendOnlyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        for _ in range(3):
            log_event(action=Action.VIEW_CLIENT, request=request_from(cls.alice))

    def assert_refused(self, change) -> None:
        before = list(AuditEvent.objects.values().order_by("seq"))
        # IntegrityError on both databases (SQLITE_CONSTRAINT_TRIGGER; SQLSTATE 23000).
        with (
            self.assertRaisesMessage(IntegrityError, "audit log is append-only"),
            transaction.atomic(),
        ):
            change()
        self.assertEqual(list(AuditEvent.objects.values().order_by("seq")), before)

    def test_the_triggers_are_installed(self):
        self.assertEqual(installed_triggers(connection), TRIGGERS[connection.vendor])

    def test_raw_sql_update_is_refused(self):
        self.assert_refused(lambda: raw(f"UPDATE {T} SET username = 'mallory'"))  # noqa: S608

    def test_raw_sql_delete_is_refused(self):
        self.assert_refused(lambda: raw(f"DELETE FROM {T} WHERE seq = 2"))  # noqa: S608

    def test_orm_queryset_update_is_refused(self):
        self.assert_refused(lambda: AuditEvent.objects.filter(seq=2).update(outcome="denied"))

    def test_orm_queryset_delete_is_refused(self):
        self.assert_refused(lambda: AuditEvent.objects.all().delete())

    def test_saving_an_existing_entry_is_refused(self):
        entry = AuditEvent.objects.get(seq=2)
        entry.username = "mallory"

        self.assert_refused(entry.save)

    def test_deleting_an_entry_is_refused(self):
        self.assert_refused(AuditEvent.objects.get(seq=2).delete)

    def test_truncate_is_refused_on_postgresql(self):
        if connection.vendor != "postgresql":
            pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is tested above)")
        self.assert_refused(lambda: raw(f"TRUNCATE {T}"))

    def test_appending_still_works_and_the_chain_verifies(self):
        # Negative control: the triggers refuse changes, not new entries.
        log_event(action=Action.VIEW_SESSION, request=request_from(self.alice))

        self.assertEqual(AuditEvent.objects.count(), 4)
        self.assertTrue(verify_chain().ok)

    def test_a_permit_row_lets_delete_through_but_never_update(self):
        # What the test suite's flush relies on; UPDATE stays refused even then.
        raw(f"INSERT INTO {PERMIT_TABLE} (id) VALUES (1)")  # noqa: S608
        self.assert_refused(lambda: raw(f"UPDATE {T} SET username = 'x'"))  # noqa: S608
        raw(f"DELETE FROM {T} WHERE seq = 3")  # noqa: S608

        self.assertEqual(AuditEvent.objects.count(), 2)


class FlushTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        log_event(action=Action.SIGN_IN_FAILED)

    def test_flush_is_the_audit_apps_command(self):
        self.assertEqual(get_commands()["flush"], "audit")

    @override_settings(AUDIT_ALLOW_PURGE=False)
    def test_flush_outside_the_test_suite_fails_and_changes_nothing(self):
        make_therapist("carol")

        with self.assertRaises((CommandError, DatabaseError)):
            call_command("flush", interactive=False, verbosity=0, stdout=io.StringIO())

        self.assertEqual(AuditEvent.objects.count(), 1)
        # Nothing else was emptied either: the flush is one transaction.
        self.assertTrue(get_user_model().objects.filter(username="carol").exists())

    @override_settings(AUDIT_ALLOW_PURGE=True)
    def test_flush_in_the_test_suite_empties_the_log_and_leaves_no_permit(self):
        call_command("flush", interactive=False, verbosity=0)

        self.assertEqual(AuditEvent.objects.count(), 0)
        self.assertEqual(raw(f"SELECT COUNT(*) FROM {PERMIT_TABLE}"), [(0,)])  # noqa: S608
        with self.assertRaises(IntegrityError), transaction.atomic():
            log_event(action=Action.SIGN_IN_FAILED)
            raw(f"DELETE FROM {T}")  # noqa: S608


class MigrationTests(TransactionTestCase):
    # As tests/encryption/test_no_plaintext_at_rest.py: a flush that re-creates content types
    # under new ids would break the next serialized_rollback test's restore.
    serialized_rollback = True

    def test_the_trigger_migration_reverses_and_reapplies(self):
        call_command("migrate", "audit", "0001", verbosity=0)
        self.assertEqual(installed_triggers(connection), set())
        self.assertNotIn(PERMIT_TABLE, connection.introspection.table_names())

        # Every app: going back to audit 0001 also unapplied the migrations that need audit
        # 0002 (the integrity ledger's append-only triggers, integrity 0002 and 0003).
        call_command("migrate", verbosity=0)

        self.assertEqual(installed_triggers(connection), TRIGGERS[connection.vendor])
        self.assertIn(PERMIT_TABLE, connection.introspection.table_names())
        self.assertEqual(ledger_triggers_missing(connection), set())


class TransactionalTestsStillWorkTests(TransactionTestCase):
    """The flush after each of these tests must get through the triggers."""

    serialized_rollback = True  # see MigrationTests

    def test_a_committed_entry(self):
        log_event(action=Action.SIGN_IN_FAILED)
        self.assertEqual(AuditEvent.objects.count(), 1)

    def test_another_committed_entry_starts_a_fresh_log(self):
        log_event(action=Action.SIGN_IN_FAILED)
        self.assertEqual(list(AuditEvent.objects.values_list("seq", flat=True)), [1])
