"""Migration integrity 0003 on a database written before parents were bound: every value in
the old (version 1) format is sealed again with its parent, every record gets its first ledger
entry, signed notes stay signed and locked, and the result passes ``verify_records``. Backwards,
the values return to version 1."""

import datetime
import uuid

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

from clients.models import Client as LiveClient
from encryption.envelope import seal_unbound, version_of
from integrity.models import RowSeal
from sessions.models import TherapySession
from tests.integrity.helpers import raw_set, verify
from tests.records import immutability_triggers_off, raw_column

BEFORE = [("integrity", "0002_append_only")]


class BindAndSealMigrationTests(TransactionTestCase):
    serialized_rollback = True

    def migrate(self, targets=None):
        executor = MigrationExecutor(connection)
        named = {app for app, _ in targets or []}
        leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in named]
        # The state the database is in afterwards: going back to ``targets`` also unapplies the
        # later migrations of other apps that need them (therapy_sessions 0006 needs integrity
        # 0003).
        return executor.migrate([*leaves, *(targets or [])]).apps

    def tearDown(self):
        self.migrate()
        super().tearDown()

    def test_old_values_are_bound_and_every_record_is_sealed(self):
        old = self.migrate(BEFORE)
        user = old.get_model("auth", "User").objects.create(username="mig")
        Client = old.get_model("clients", "Client")
        client = Client.objects.create(
            id=uuid.uuid4(), therapist_id=user.pk, number=1, full_name="x"
        )
        Session = old.get_model("therapy_sessions", "TherapySession")
        common = {
            "client_id": client.pk,
            "date": datetime.date(2026, 3, 2),
            "start_time": datetime.time(10, 0),
        }
        draft = Session.objects.create(id=uuid.uuid4(), **common)
        signed = Session.objects.create(
            id=uuid.uuid4(),
            status="signed",
            signed_at=timezone.now(),
            signed_by_id=user.pk,
            content_hash="0" * 64,
            **common,
        )
        # As stored before this version: the old format, row and field only.
        raw_set(
            LiveClient,
            client.pk,
            full_name=seal_unbound(
                b"Migrated Client", label="clients.client.full_name", row_id=str(client.pk)
            ),
        )
        with immutability_triggers_off():
            for pk in (draft.pk, signed.pk):
                plan = seal_unbound(
                    b"Keep a diary.", label="therapy_sessions.therapysession.plan", row_id=str(pk)
                )
                raw_set(TherapySession, pk, plan=plan)
        self.assertEqual(version_of(raw_column(TherapySession, "plan", draft.pk)), 1)

        self.migrate()

        for pk in (draft.pk, signed.pk):
            self.assertEqual(version_of(raw_column(TherapySession, "plan", pk)), 2)
            self.assertEqual(TherapySession.objects.get(pk=pk).plan, "Keep a diary.")
        self.assertEqual(TherapySession.objects.get(pk=signed.pk).status, "signed")
        self.assertEqual(
            set(
                RowSeal.objects.filter(label="therapy_sessions.therapysession").values_list(
                    "row_id", flat=True
                )
            ),
            {str(draft.pk), str(signed.pk)},
        )
        status, output = verify()
        self.assertEqual(status, 0, output)

        self.migrate(BEFORE)
        self.assertEqual(version_of(raw_column(TherapySession, "plan", signed.pk)), 1)
