"""Migration therapy_sessions 0005 on a database with notes, a signed one among them: every row
gets the encrypted empty list, and the signed-note trigger is back afterwards (on SQLite the
new column rebuilds the table, which drops its triggers)."""

import datetime
import uuid

from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

from sessions.models import TherapySession
from tests.records import raw_column

BEFORE = [("therapy_sessions", "0004_key_rotation_permit")]
AFTER = [("therapy_sessions", "0005_dismissed_themes")]


class DismissedThemesMigrationTests(TransactionTestCase):
    serialized_rollback = True

    def migrate(self, targets):
        """The apps named in ``targets`` at those migrations; every other app at its latest
        migration that does not need a later one of theirs (integrity 0003, which binds every
        encrypted value, needs therapy_sessions 0005, so it is not applied before it)."""
        executor = MigrationExecutor(connection)
        graph = executor.loader.graph
        named = {app for app, _ in targets}
        reached = {node for target in targets for node in graph.forwards_plan(target)}
        beyond = {node for node in graph.nodes if node[0] in named and node not in reached}
        others, unapplied = [], []
        for app, name in graph.leaf_nodes():
            if app in named:
                continue
            node = (app, name)
            while node is not None and beyond.intersection(graph.forwards_plan(node)):
                earlier = [p.key for p in graph.node_map[node].parents if p.key[0] == app]
                node = earlier[0] if earlier else None
            if node is None:
                unapplied.append((app, None))  # every migration of the app needs a later one
            else:
                others.append(node)
        executor.migrate([*others, *unapplied, *targets])
        return executor.loader.project_state([*others, *targets]).apps

    def tearDown(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        super().tearDown()

    def test_existing_notes_get_an_encrypted_empty_list_and_stay_locked_when_signed(self):
        old = self.migrate(BEFORE)
        user = old.get_model("auth", "User").objects.create(username="mig")
        client = old.get_model("clients", "Client").objects.create(
            id=uuid.uuid4(), therapist_id=user.pk, number=1, full_name="Migrated Client"
        )
        Session = old.get_model("therapy_sessions", "TherapySession")
        common = {
            "client_id": client.pk,
            "date": datetime.date(2026, 3, 2),
            "start_time": datetime.time(10, 0),
            "note": {"subjective": "Before the migration."},
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

        self.migrate(AFTER)
        # Read through today's model, so the later migrations too (0006 adds a column).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        for pk in (draft.pk, signed.pk):
            session = TherapySession.objects.get(pk=pk)
            self.assertEqual(session.dismissed_themes, [])
            self.assertEqual(session.note, {"subjective": "Before the migration."})
            self.assertNotIn(b"[]", raw_column(TherapySession, "dismissed_themes", pk))
        with self.assertRaises(IntegrityError), transaction.atomic():
            _raw_update(signed.pk)
        # The draft is not locked: the trigger is not refusing everything.
        TherapySession.objects.filter(pk=draft.pk).update(duration_minutes=45)


def _raw_update(pk) -> None:
    """An UPDATE below the ORM (whose own check would refuse first), as any path could send."""
    table = TherapySession._meta.db_table
    pk_value = TherapySession._meta.pk.get_db_prep_value(pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET duration_minutes = 10 WHERE id = %s", [pk_value])  # noqa: S608
