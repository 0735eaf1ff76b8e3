"""Backup, then restore into a new empty database: the manifest verifies, notes decrypt, and the
triggers that lock signed notes and the audit log come back with the schema."""

import tarfile

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connections, transaction
from django.test import TransactionTestCase

from audit.models import AuditEvent
from clients.models import Client
from sessions.models import Addendum, ProcessNote, TherapySession
from tests.backups.helpers import (
    ADDENDUM_CANARY,
    PROCESS_CANARY,
    backup_to,
    fresh_database,
    restore_from,
    rewrite_backup,
    seed_record,
)
from tests.base import ALICE_CANARY_NAME, ALICE_CANARY_NOTE


class RoundTripTests(TransactionTestCase):
    # The flush after each test empties the built-in themes (a data migration): restore them.
    serialized_rollback = True

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def setUp(self):
        self.record = seed_record()
        self.backup = self.tmp_path / "practice.tar"
        backup_to(self.backup)

    def test_the_file_holds_the_manifest_and_the_database_copy_only(self):
        with tarfile.open(self.backup) as tar:
            names = tar.getnames()
            modes = {member.mode for member in tar.getmembers()}
        self.assertEqual(names[0], "manifest.json")
        self.assertIn(names[1], {"database.sqlite3", "database.pgdump"})
        self.assertEqual(len(names), 2)
        self.assertEqual(modes, {0o600})
        self.assertEqual(self.backup.stat().st_mode & 0o777, 0o600)

    def test_restore_verifies_and_every_note_decrypts(self):
        with fresh_database(self.tmp_path) as alias:
            output = restore_from(self.backup, alias)
            self.assertIn("match the manifest", output)
            self.assertIn("audit log ok: 2 entries", output)
            client = Client.objects.using(alias).get(pk=self.record.client.pk)
            self.assertEqual(client.full_name, ALICE_CANARY_NAME)
            signed = TherapySession.objects.using(alias).get(pk=self.record.signed.pk)
            self.assertEqual(signed.note["subjective"], ALICE_CANARY_NOTE)
            self.assertTrue(signed.integrity_ok())
            addendum = Addendum.objects.using(alias).get(session_id=signed.pk)
            self.assertEqual(addendum.text, ADDENDUM_CANARY)
            process = ProcessNote.objects.using(alias).get(session_id=self.record.draft.pk)
            self.assertEqual(process.text, PROCESS_CANARY)
            self.assertEqual(AuditEvent.objects.using(alias).count(), 2)

    def test_sign_in_sessions_are_left_out(self):
        self.assertEqual(Session.objects.count(), 1)
        with fresh_database(self.tmp_path) as alias:
            restore_from(self.backup, alias)
            self.assertEqual(Session.objects.using(alias).count(), 0)

    def test_search_snapshots_are_left_out(self):
        from search import lease
        from search.index import registry
        from search.models import SearchBuildLease, SearchSnapshot
        from search.services import SearchFilters, search

        registry.clear()
        therapist = self.record.client.therapist
        search(therapist=therapist, query="anything", filters=SearchFilters())
        self.assertIsNotNone(lease.acquire(therapist.pk))
        self.assertEqual(SearchSnapshot.objects.count(), 1)
        backup = self.tmp_path / "with-snapshot.tar"
        backup_to(backup)
        with fresh_database(self.tmp_path) as alias:
            restore_from(backup, alias)
            self.assertEqual(SearchSnapshot.objects.using(alias).count(), 0)
            self.assertEqual(SearchBuildLease.objects.using(alias).count(), 0)
            # Control: the rest of the record is there.
            self.assertTrue(TherapySession.objects.using(alias).exists())
        registry.clear()

    def test_triggers_survive_the_round_trip(self):
        with fresh_database(self.tmp_path) as alias:
            restore_from(self.backup, alias)
            connection = connections[alias]
            pk = TherapySession._meta.pk.get_db_prep_value(self.record.signed.pk, connection)
            with (
                self.assertRaises(IntegrityError),
                transaction.atomic(using=alias),
                connection.cursor() as cursor,
            ):
                cursor.execute(
                    "UPDATE therapy_sessions_therapysession SET duration_minutes = 1 WHERE id = %s",
                    [pk],
                )
            with (
                self.assertRaises(IntegrityError),
                transaction.atomic(using=alias),
                connection.cursor() as cursor,
            ):
                cursor.execute("DELETE FROM audit_auditevent")

    def test_rewriting_the_file_unchanged_still_restores(self):
        # Negative control for the tampering tests: their rewriting alone breaks nothing.
        rewrite_backup(self.backup)
        with fresh_database(self.tmp_path) as alias:
            self.assertIn("match the manifest", restore_from(self.backup, alias))
