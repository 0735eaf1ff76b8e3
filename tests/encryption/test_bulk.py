"""decrypt_values: one encrypted column of many rows, read without model instances."""

import datetime

from django.test import TestCase

from clients.models import Client
from encryption.bulk import decrypt_values
from sessions.models import TherapySession
from tests.base import make_client, make_session, make_therapist


class DecryptValuesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        client = make_client(make_therapist("alice"), full_name="Ŋarvå Quill")
        cls.client_ = client
        cls.first = make_session(client, themes=[{"theme": 7, "intensity": 2}])
        cls.second = make_session(
            client, date=datetime.date(2026, 3, 9), themes=[{"theme": 9, "intensity": 1}]
        )

    def test_values_match_the_model_in_the_order_given(self):
        sessions = TherapySession.objects.filter(client=self.client_).order_by("-date")
        rows = list(sessions.values_list("id", "themes", "client_id"))
        self.assertEqual(
            decrypt_values(TherapySession, "themes", rows), [s.themes for s in sessions]
        )
        self.assertEqual(
            decrypt_values(TherapySession, "themes", rows),
            [[{"theme": 9, "intensity": 1}], [{"theme": 7, "intensity": 2}]],
        )

    def test_a_text_field_decrypts_to_text(self):
        rows = Client.objects.filter(pk=self.client_.pk).values_list(
            "id", "full_name", "therapist_id"
        )
        self.assertEqual(decrypt_values(Client, "full_name", rows), ["Ŋarvå Quill"])

    def test_a_value_moved_to_another_row_fails_loudly(self):
        sealed = TherapySession.objects.filter(pk=self.first.pk).values_list("themes", flat=True)
        moved = [(self.second.pk, sealed.get(), self.client_.pk)]  # another row's ciphertext
        with self.assertRaises(Exception) as raised:
            decrypt_values(TherapySession, "themes", moved)
        self.assertIn("failed authentication", str(raised.exception))

    def test_a_row_read_under_another_parent_fails_loudly(self):
        other = make_client(make_therapist("bob"))
        rows = TherapySession.objects.filter(pk=self.first.pk).values_list("id", "themes")
        ((pk, sealed),) = rows
        self.assertEqual(
            decrypt_values(TherapySession, "themes", [(pk, sealed, self.client_.pk)]),
            [[{"theme": 7, "intensity": 2}]],
        )
        with self.assertRaises(Exception) as raised:
            decrypt_values(TherapySession, "themes", [(pk, sealed, other.pk)])
        self.assertIn("failed authentication", str(raised.exception))

    def test_rows_without_their_parents_are_refused(self):
        rows = TherapySession.objects.filter(pk=self.first.pk).values_list("id", "themes")
        with self.assertRaises(TypeError):
            decrypt_values(TherapySession, "themes", rows)

    def test_no_rows_give_no_values(self):
        self.assertEqual(decrypt_values(TherapySession, "themes", iter(())), [])
