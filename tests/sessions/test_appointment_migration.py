"""Migration therapy_sessions 0006 (the appointment a note follows), backwards and forwards
again: on SQLite, removing the foreign key rebuilds the table, which drops its triggers; the
signed-note trigger must be back afterwards, or every later test and any database taken back
would hold signed notes that plain SQL can change."""

from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from sessions.models import TherapySession
from tests.base import make_client, make_session, make_signed_session, make_therapist
from tests.records import db_pk, raw

BEFORE = ("therapy_sessions", "0005_dismissed_themes")


class AppointmentMigrationTests(TransactionTestCase):
    serialized_rollback = True

    def migrate(self, *targets):
        executor = MigrationExecutor(connection)
        named = {app for app, _ in targets}
        leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in named]
        executor.migrate([*leaves, *targets])

    def tearDown(self):
        self.migrate()
        super().tearDown()

    def signed_note(self):
        therapist = make_therapist("mig-0006")
        return make_signed_session(make_client(therapist), therapist, duration_minutes=50)

    def stored_duration(self, pk):
        query = "SELECT duration_minutes FROM therapy_sessions_therapysession WHERE id = %s"
        return raw(query, [db_pk(TherapySession, pk)])[0][0]

    def assert_update_refused(self, pk):
        with (
            self.assertRaises(IntegrityError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE therapy_sessions_therapysession SET duration_minutes = 1 WHERE id = %s",
                [db_pk(TherapySession, pk)],
            )

    def test_signed_notes_stay_locked_after_going_back_and_forth(self):
        self.migrate(BEFORE)
        self.migrate()
        session = self.signed_note()
        self.assert_update_refused(session.pk)
        self.assertEqual(self.stored_duration(session.pk), 50)

    def test_a_draft_can_still_be_changed_after_going_back_and_forth(self):
        # Negative control: the trigger refuses signed notes only.
        self.migrate(BEFORE)
        self.migrate()
        draft = make_session(make_client(make_therapist("mig-0006-draft")))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE therapy_sessions_therapysession SET duration_minutes = 1 WHERE id = %s",
                [db_pk(TherapySession, draft.pk)],
            )
        # Read raw: the integrity ledger, rightly, refuses the row changed outside the app.
        self.assertEqual(self.stored_duration(draft.pk), 1)
