"""Which themes a therapist dismissed on a note, or marked "not for this client", is health
data: a stolen database file or dump must not show it. Written through the real pages and
committed, then searched for in the raw database (tests/scanning.py), with a negative control
showing that the same scan finds the same value where it is not encrypted."""

import json

from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse

from accounts.testing import sign_in_through_pages
from sessions.models import TherapySession
from tests.base import PASSWORD, make_client, make_session, make_therapist
from tests.builders import session_form
from tests.scanning import hits, raw_database_bytes
from themes.models import Theme
from themes.suggest.service import excluded_theme_ids

# Theme ids are small numbers, which any file holds by chance: this theme gets an id as long
# as a canary (ten digits, still a 32-bit integer), so that finding it cannot be a coincidence.
CANARY_ID = 2087654321


def canaries() -> list[str]:
    """The stored lists as JSON ("[2087654321]"); on SQLite the bare id too, since SQLite keeps
    integer columns in binary. (A pg_dump writes the theme's own id as text, and the taxonomy
    is not client data.)"""
    found = [json.dumps([CANARY_ID])]
    return [*found, str(CANARY_ID)] if connection.vendor == "sqlite" else found


class SuggestionChoicesAtRestTests(TransactionTestCase):
    serialized_rollback = True

    def setUp(self):
        self.alice = make_therapist("alice")
        self.client_record = make_client(self.alice, full_name="Scanned Client")
        Theme.objects.create(
            pk=CANARY_ID,
            owner=self.alice,
            slug=f"u{self.alice.pk}-scanned",
            name="Scanned theme",
            category="attachment",
        )
        response = sign_in_through_pages(self.client, "alice", PASSWORD)
        self.assertEqual(response.status_code, 302)

    def test_dismissals_and_exclusions_are_not_in_the_raw_database(self):
        exclusions = reverse("client_theme_exclusions", args=[self.client_record.pk])
        response = self.client.post(exclusions, {"theme": str(CANARY_ID), "action": "exclude"})
        self.assertEqual(response.status_code, 302)
        draft = make_session(self.client_record, note={"subjective": "A quiet week."})
        response = self.client.post(
            reverse("session_dismiss_theme", args=[draft.pk]),
            {"theme": str(CANARY_ID), "version": str(draft.version)},
        )
        self.assertEqual(response.status_code, 302)
        response = self.client.post(
            reverse("session_create", args=[self.client_record.pk]),
            session_form(dismissed_themes=str(CANARY_ID)),
        )
        self.assertEqual(response.status_code, 302)

        # Positive control: all three were stored, and read back through the app.
        self.assertEqual(excluded_theme_ids(self.client_record), [CANARY_ID])
        self.assertEqual(
            [s.dismissed_themes for s in TherapySession.objects.order_by("created_at")],
            [[CANARY_ID], [CANARY_ID]],
        )
        self.assertTrue(connection.get_autocommit(), "the writes must be committed")

        self.assertEqual(hits(raw_database_bytes(), canaries()), [])

    def test_the_scan_finds_the_id_stored_without_encryption_negative_control(self):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE canary_control (id integer primary key, body text)")
        self.addCleanup(self._drop_control_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO canary_control (id, body) VALUES (1, %s)", [json.dumps([CANARY_ID])]
            )
        self.assertIn(f"'[{CANARY_ID}]' (utf-8)", hits(raw_database_bytes(), canaries()))

    def _drop_control_table(self):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS canary_control")
