"""Several workers writing records at once: every write gets its ledger entry, the chain stays
contiguous and valid, each row's versions are 1..n, and ``verify_records`` passes. Two workers
saving the same row in turn leave the ledger describing the row as it was last written."""

import datetime
import threading

from django.db import connections
from django.test import TransactionTestCase

from integrity.models import RowSeal
from sessions.models import TherapySession
from tests.base import make_client, make_therapist
from tests.integrity.helpers import verify

THREADS = 6
WRITES_EACH = 10


class ConcurrentWriteTests(TransactionTestCase):
    serialized_rollback = True

    def test_workers_saving_at_once_keep_the_ledger_whole(self):
        client = make_client(make_therapist("conc"))
        sessions = [
            TherapySession.objects.create(
                client=client, date=datetime.date(2026, 3, 2), start_time=datetime.time(9)
            )
            for _ in range(THREADS)
        ]
        shared = sessions[0].pk
        start = threading.Barrier(THREADS)
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                start.wait()
                for n in range(WRITES_EACH):
                    # Each worker its own row, and every worker the shared row too.
                    for pk in (sessions[index].pk, shared):
                        session = TherapySession.objects.get(pk=pk)
                        session.plan = f"worker {index} write {n}"
                        session.save()
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

        self.assertEqual(errors, [])
        seqs = list(RowSeal.objects.order_by("seq").values_list("seq", flat=True))
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        shared_versions = list(
            RowSeal.objects.filter(row_id=str(shared))
            .order_by("seq")
            .values_list("row_version", flat=True)
        )
        self.assertEqual(shared_versions, list(range(1, len(shared_versions) + 1)))
        # creation + its own writes + every worker's writes to the shared row
        self.assertEqual(len(shared_versions), 1 + THREADS * WRITES_EACH + WRITES_EACH)
        status, output = verify()
        self.assertEqual(status, 0, output)
