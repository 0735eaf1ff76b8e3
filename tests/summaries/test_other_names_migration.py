"""Migration clients 0004 on a database with clients: each gets the encrypted empty list of
other names, and a ledger entry for its new row digest (the integrity check stays clean)."""

import uuid

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from clients.models import Client
from integrity.verify import verify
from tests.records import raw_column

BEFORE = [("clients", "0003_client_numbering"), ("integrity", "0003_bind_and_seal")]
AFTER = ("clients", "0004_client_other_names")


class OtherNamesMigrationTests(TransactionTestCase):
    serialized_rollback = True

    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def tearDown(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        super().tearDown()

    def test_existing_clients_get_an_encrypted_empty_list_and_a_ledger_entry(self):
        old = self.migrate(BEFORE)
        user = old.get_model("auth", "User").objects.create(username="mig")
        client = old.get_model("clients", "Client").objects.create(
            id=uuid.uuid4(), therapist_id=user.pk, number=1, full_name="Migrated Client"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        migrated = Client.objects.get(pk=client.pk)
        self.assertEqual(migrated.other_names, [])
        self.assertEqual(migrated.full_name, "Migrated Client")
        self.assertNotIn(b"[]", raw_column(Client, "other_names", client.pk))
        findings = [f for f in verify().findings if f.table == Client._meta.db_table]
        self.assertEqual(findings, [])

    def test_it_goes_back_and_forth(self):
        self.migrate([AFTER])
        self.migrate([("clients", "0003_client_numbering")])
        self.migrate([AFTER])
