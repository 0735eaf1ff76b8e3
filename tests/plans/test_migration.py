"""Migrations plans 0001-0002 backwards and forwards again (on PostgreSQL too): the tables, the
erasure permit and the locking triggers all go, and all come back, so that a database taken
back and forth never holds an unlocked signed plan version."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from audit.triggers import installed_triggers

TRIGGERS = {
    "sqlite": {
        "plans_planversion": {"plans_version_signed_no_update", "plans_version_signed_no_delete"},
        "plans_noteprogress": {
            "plans_progress_signed_no_insert",
            "plans_progress_signed_no_update",
            "plans_progress_signed_no_delete",
        },
    },
    "postgresql": {
        "plans_planversion": {"plans_version_signed_is_immutable"},
        "plans_noteprogress": {"plans_progress_signed_is_locked"},
    },
}


class PlansMigrationTests(TransactionTestCase):
    serialized_rollback = True

    def migrate(self, *targets):
        executor = MigrationExecutor(connection)
        named = {app for app, _ in targets}
        leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in named]
        executor.migrate([*leaves, *targets])

    def tearDown(self):
        self.migrate()
        super().tearDown()

    def tables(self) -> set[str]:
        return {t for t in connection.introspection.table_names() if t.startswith("plans_")}

    def triggers(self) -> dict[str, set[str]]:
        return {
            table: installed_triggers(connection, table) for table in TRIGGERS[connection.vendor]
        }

    def test_going_back_removes_everything_and_forwards_puts_it_back(self):
        self.assertEqual(self.triggers(), TRIGGERS[connection.vendor])
        self.migrate(("plans", "0001_initial"))
        self.assertEqual(self.triggers(), {table: set() for table in TRIGGERS[connection.vendor]})
        self.assertNotIn("plans_erasure_permit", self.tables())
        self.migrate(("plans", None))
        self.assertEqual(self.tables(), set())
        self.migrate()
        self.assertEqual(self.triggers(), TRIGGERS[connection.vendor])
        self.assertIn("plans_erasure_permit", self.tables())
