"""A list's joined rows (select_related: each note's client) are checked against the ledger
with the list, in a few queries, instead of one at a time when first decrypted."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from encryption.errors import RecordIntegrityError
from sessions.models import TherapySession
from tests.base import PersonaTestCase, make_client, make_session
from tests.records import db_pk, raw


class JoinedRowsTests(PersonaTestCase):
    def setUp(self):
        self.others = [make_client(self.alice, full_name=f"Client {n}") for n in range(5)]
        for client in self.others:
            make_session(client)

    def notes(self):
        return TherapySession.objects.filter(client__therapist=self.alice)

    def test_a_client_changed_outside_the_application_is_caught_when_the_list_loads(self):
        raw(
            f"UPDATE {Client._meta.db_table} SET number = 999 WHERE id = %s",  # noqa: S608
            [db_pk(Client, self.others[2].pk)],
        )
        with self.assertRaises(RecordIntegrityError):
            list(self.notes().select_related("client"))
        # Negative control: without the join the clients are not read, and the list loads.
        self.assertEqual(len(list(self.notes())), 6)

    def test_the_joined_clients_are_checked_together_and_not_again(self):
        notes = list(self.notes().select_related("client"))
        with CaptureQueriesContext(connection) as queries:
            names = {note.client.full_name for note in notes}
        self.assertEqual(len(names), 6)
        self.assertEqual(len(queries), 0)
