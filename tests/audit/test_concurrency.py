"""Concurrent writers never share or skip a seq: the chain stays contiguous and valid."""

import threading

from django.db import connection, connections
from django.test import TransactionTestCase

from audit.chain import verify_chain
from audit.models import Action, AuditEvent
from audit.services import log_event

THREADS = 8
RECORDS_EACH = 25


class ConcurrentRecordTests(TransactionTestCase):
    # As tests/encryption/test_no_plaintext_at_rest.py: a flush that re-creates content types
    # under new ids would break the next serialized_rollback test's restore.
    serialized_rollback = True

    def test_threads_recording_at_once_give_seq_1_to_n_and_a_valid_chain(self):
        # Each thread has its own database connection (PostgreSQL: the advisory lock; SQLite:
        # BEGIN IMMEDIATE and the busy timeout) and starts at the same moment.
        start = threading.Barrier(THREADS)
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                start.wait()
                for _ in range(RECORDS_EACH):
                    log_event(
                        action=Action.VIEW_SESSION, object_type="session", object_id=f"t{index}"
                    )
            except BaseException as exc:  # reported below, with the thread's failure
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        self.assertEqual(errors, [])
        total = THREADS * RECORDS_EACH
        seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
        self.assertEqual(seqs, list(range(1, total + 1)))
        report = verify_chain()
        self.assertTrue(report.ok, report.summary())
        self.assertEqual(report.count, total)
        per_thread = {
            f"t{index}": AuditEvent.objects.filter(object_id=f"t{index}").count()
            for index in range(THREADS)
        }
        self.assertEqual(set(per_thread.values()), {RECORDS_EACH}, connection.vendor)
