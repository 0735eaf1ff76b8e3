"""A backup altered after it was made is refused, naming the table and the row.

The negative control (rewriting a backup unchanged restores fine) is in test_round_trip.
"""

import sqlite3

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.test import TransactionTestCase

from backups import seal
from sessions.models import TherapySession
from tests.backups.helpers import (
    backup_to,
    flip_stored_value,
    fresh_database,
    restore_from,
    rewrite_backup,
    seed_record,
)

TABLE = "therapy_sessions_therapysession"


class TamperingTests(TransactionTestCase):
    # The flush after each test empties the built-in themes (a data migration): restore them.
    serialized_rollback = True

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def setUp(self):
        self.record = seed_record()
        self.backup = self.tmp_path / "practice.tar"
        backup_to(self.backup)

    def refusal(self) -> str:
        with fresh_database(self.tmp_path) as alias, self.assertRaises(CommandError) as caught:
            restore_from(self.backup, alias)
        return str(caught.exception)

    def row_key(self, pk) -> str:
        # How the primary key is stored: hex on SQLite (char(32)), a uuid on PostgreSQL.
        return str(pk) if connection.vendor == "postgresql" else pk.hex

    def test_one_changed_byte_of_a_note_is_named_by_table_and_row(self):
        stored = TherapySession.objects.filter(pk=self.record.signed.pk).values_list(
            "note", flat=True
        )[0]
        rewrite_backup(self.backup, database=flip_stored_value(bytes(stored)))
        message = self.refusal()
        self.assertIn(f"table {TABLE}: row id={self.row_key(self.record.signed.pk)}", message)
        self.assertIn("differs from the manifest", message)

    def test_a_deleted_row_is_named(self):
        def drop_addendum_row(manifest):
            # The manifest claims a row the copy does not have.
            table = manifest["tables"][TABLE]
            table["row_hashes"].append(["ffffffffffffffffffffffffffffffff", "00" * 32])
            table["rows"] += 1
            # Sealed again, as only a holder of the audit key could: the row check still holds.
            return seal.seal(manifest)

        rewrite_backup(self.backup, manifest=drop_addendum_row)
        self.assertIn(
            f"table {TABLE}: row id=ffffffffffffffffffffffffffffffff is missing", self.refusal()
        )

    def test_a_manifest_rewritten_without_the_audit_key_is_refused(self):
        # Someone changes a row and recomputes its hash in the manifest: the seal no longer fits.
        def forge(manifest):
            manifest["tables"][TABLE]["row_hashes"][0][1] = "00" * 32
            return manifest

        rewrite_backup(self.backup, manifest=forge)
        self.assertIn("manifest seal does not match", self.refusal())

    def test_a_changed_plain_column_is_caught_by_the_manifest_alone(self):
        # Decryption cannot see this (the duration is not encrypted); the row hashes can.
        if connection.vendor != "sqlite":
            pytest.skip("edits the SQLite copy with SQL; the byte test covers PostgreSQL")
        staged = self.tmp_path / "copy.sqlite3"

        def change_duration(data: bytes) -> bytes:
            staged.write_bytes(data)
            with sqlite3.connect(staged) as edit:
                edit.execute(
                    f"UPDATE {TABLE} SET duration_minutes = 90 WHERE id = ?",  # noqa: S608
                    [self.record.draft.pk.hex],
                )
            edit.close()
            return staged.read_bytes()

        rewrite_backup(self.backup, database=change_duration)
        message = self.refusal()
        self.assertIn(f"table {TABLE}: row id={self.record.draft.pk.hex} differs", message)
        self.assertFalse((self.tmp_path / "restored.sqlite3").exists())
