"""What restore refuses, each with one readable line: a database that holds data, another
engine's backup, a file that is not a backup, and keys that do not open the backup."""

import pytest
from django.core.management.base import CommandError
from django.test import TransactionTestCase, override_settings

from backups import seal
from encryption.keys import reset_keyring
from tests.backups.helpers import (
    backup_to,
    fresh_database,
    other_key_line,
    restore_from,
    rewrite_backup,
    seed_record,
)


class RefusalTests(TransactionTestCase):
    # The flush after each test empties the built-in themes (a data migration): restore them.
    serialized_rollback = True

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def make_backup(self):
        seed_record()
        self.backup = self.tmp_path / "practice.tar"
        backup_to(self.backup)

    def assert_refused(self, alias: str, *fragments: str) -> str:
        with self.assertRaises(CommandError) as caught:
            restore_from(self.backup, alias)
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        for fragment in fragments:
            self.assertIn(fragment, message)
        return message

    def test_a_database_that_holds_data_is_refused_and_left_alone(self):
        self.make_backup()
        from clients.models import Client

        before = Client.objects.count()
        self.assert_refused("default", "already holds", "empty database")
        self.assertEqual(Client.objects.count(), before)

    def test_another_engines_backup_is_refused(self):
        self.make_backup()

        def other_engine(manifest):
            manifest["engine"] = "sqlite" if manifest["engine"] == "postgresql" else "postgresql"
            return seal.seal(manifest)  # as if made elsewhere under the same audit key

        rewrite_backup(self.backup, manifest=other_engine)
        with fresh_database(self.tmp_path) as alias:
            self.assert_refused(alias, "across engines is not supported")

    def test_a_file_that_is_not_a_backup_is_refused(self):
        self.backup = self.tmp_path / "notes.txt"
        self.backup.write_text("not a backup")
        with fresh_database(self.tmp_path) as alias:
            self.assert_refused(alias, "not a Therapy Notes backup")

    def test_a_truncated_backup_is_refused(self):
        self.make_backup()
        data = self.backup.read_bytes()
        self.backup.write_bytes(data[: len(data) // 2])
        with fresh_database(self.tmp_path) as alias:
            self.assert_refused(alias, str(self.backup))

    def test_wrong_keys_are_detected(self):
        self.make_backup()
        with override_settings(FIELD_ENCRYPTION_KEYS=other_key_line(1)):
            reset_keyring()
            with fresh_database(self.tmp_path) as alias:
                message = self.assert_refused(alias, "do not decrypt", "wrong key")
                self.assertIn("does not open with the configured key id 1", message)

    def test_wrong_keys_leave_no_sqlite_database_behind(self):
        if self._engine() != "sqlite":
            pytest.skip("SQLite stages the copy; PostgreSQL restores into the target first")
        self.make_backup()
        with override_settings(FIELD_ENCRYPTION_KEYS=other_key_line(1)):
            reset_keyring()
            with fresh_database(self.tmp_path) as alias:
                self.assert_refused(alias, "do not decrypt")
        self.assertFalse((self.tmp_path / "restored.sqlite3").exists())

    def test_a_missing_key_id_is_named_before_anything_is_restored(self):
        from django.conf import settings

        with override_settings(
            FIELD_ENCRYPTION_KEYS=f"{other_key_line(2)},{settings.FIELD_ENCRYPTION_KEYS}"
        ):
            reset_keyring()
            self.make_backup()  # written under key id 2
        reset_keyring()
        with fresh_database(self.tmp_path) as alias:
            self.assert_refused(alias, "key id 2", "FIELD_ENCRYPTION_KEYS does not have")
            from django.db import connections

            self.assertEqual(connections[alias].introspection.table_names(), [])

    def test_a_different_audit_key_is_detected(self):
        self.make_backup()
        other_audit_key = other_key_line(1).partition(":")[2]
        with (
            override_settings(AUDIT_HMAC_KEY=other_audit_key),
            fresh_database(self.tmp_path) as alias,
        ):
            # The manifest's seal, keyed from the audit key, is the first thing to notice.
            self.assert_refused(alias, "manifest seal does not match", "AUDIT_HMAC_KEY")

    def _engine(self) -> str:
        from django.db import connection

        return connection.vendor
