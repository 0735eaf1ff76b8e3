"""A backup taken while notes are being written restores to one consistent instant: every note
written before the backup began, none written after it ended, no session without the process
note written in the same transaction."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.test import TransactionTestCase

from sessions.models import ProcessNote, TherapySession
from sessions.services import save_process_note
from tests.backups.helpers import backup_to, fresh_database, restore_from, seed_record
from tests.base import make_session

WAIT = 120  # seconds: only a bound on a hung test, never a figure under test


class ConcurrentWriter(threading.Thread):
    """Writes a session and its process note per transaction until stopped."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.written: list = []  # committed session ids, in order
        self.progress = threading.Condition()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            number = 0
            while not self.stop.is_set():
                number += 1
                with transaction.atomic():
                    session = make_session(
                        self.client,
                        date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
                        note={"subjective": f"concurrent note {number}"},
                    )
                    save_process_note(session=session, text=f"concurrent process note {number}")
                with self.progress:
                    self.written.append(session.pk)
                    self.progress.notify_all()
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            connection.close()

    def wait_for(self, count: int) -> None:
        with self.progress:
            reached = self.progress.wait_for(
                lambda: len(self.written) >= count or self.error, timeout=WAIT
            )
        assert reached and not self.error, self.error or f"the writer did not reach {count}"


class ConcurrentBackupTests(TransactionTestCase):
    # The flush after each test empties the built-in themes (a data migration): restore them.
    serialized_rollback = True

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def test_backup_under_concurrent_writes_restores_consistently(self):
        record = seed_record()
        writer = ConcurrentWriter(record.client)
        writer.start()
        try:
            writer.wait_for(5)
            before = len(writer.written)
            backup = self.tmp_path / "busy.tar"
            backup_to(backup)
            after = len(writer.written)
            writer.wait_for(after + 5)  # the app went on writing after the backup
        finally:
            writer.stop.set()
            writer.join(WAIT)
        self.assertIsNone(writer.error)
        written = set(writer.written)

        with fresh_database(self.tmp_path) as alias:
            self.assertIn("match the manifest", restore_from(backup, alias))
            restored = set(
                TherapySession.objects.using(alias)
                .filter(client_id=record.client.pk)
                .exclude(pk__in=[record.signed.pk, record.draft.pk])
                .values_list("pk", flat=True)
            )
            with_process_note = set(
                ProcessNote.objects.using(alias)
                .filter(session_id__in=restored)
                .values_list("session_id", flat=True)
            )
        self.assertLessEqual(restored, written)
        self.assertTrue(set(writer.written[:before]) <= restored, "a note before the backup")
        self.assertGreaterEqual(len(restored), before)
        self.assertLessEqual(len(restored), after)
        self.assertLess(len(restored), len(written), "notes written after the backup")
        self.assertEqual(with_process_note, restored, "a session without its process note")
