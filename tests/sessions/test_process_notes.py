"""Process (psychotherapy) notes: their own table and encryption label, their own page (every
reading audited), and never in lists, search, the session page, summaries or exports unless the
therapist includes them with a stated reason."""

import unittest

from django.db import connection, transaction
from django.urls import reverse

from accounts.testing import sign_in
from audit.models import Action
from clients.models import Disclosure
from encryption.envelope import open_sealed
from encryption.errors import DecryptionError, RecordIntegrityError
from encryption.fields import binding_of
from sessions.models import ProcessNote, TherapySession
from tests.audit.helpers import new_entries
from tests.base import PersonaTestCase
from tests.builders import process_note_form
from tests.pages import export, exported_record, unzip
from tests.pdfs import PDFTOTEXT, ascii_canary, pdf_text
from tests.records import db_pk, raw_column
from tests.scanning import hits

LABEL = "therapy_sessions.processnote.text"


class ProcessNoteTestCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.session = self.alice_session
        self.url = reverse("process_note", args=[self.session.pk])
        self.private = ascii_canary("privateprocess")
        response = self.client.post(
            self.url, process_note_form(text=f"Countertransference: {self.private}")
        )
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.note = ProcessNote.objects.get(session=self.session)


class StorageTests(ProcessNoteTestCase):
    def test_it_is_stored_in_its_own_table_under_its_own_label(self):
        field = ProcessNote._meta.get_field("text")
        self.assertEqual(field.encryption_label, LABEL)
        self.assertNotEqual(ProcessNote._meta.db_table, TherapySession._meta.db_table)
        stored = raw_column(ProcessNote, "text", self.note.pk)
        self.assertEqual(hits(stored, [self.private]), [])
        # Sealed for this row of this table, and for its session (its parent).
        binding = binding_of(self.note)
        self.assertEqual(binding, f"session_id={self.session.pk}")
        self.assertEqual(
            open_sealed(stored, label=LABEL, row_id=str(self.note.pk), binding=binding).decode(),
            f"Countertransference: {self.private}",
        )
        # The session's own row holds nothing of it.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT * FROM {TherapySession._meta.db_table} WHERE id = %s",  # noqa: S608
                [db_pk(TherapySession, self.session.pk)],
            )
            row = cursor.fetchone()
        self.assertFalse(any(bytes(v) == stored for v in row if isinstance(v, bytes | memoryview)))

    def test_its_ciphertext_moved_into_a_session_column_does_not_decrypt(self):
        stored = raw_column(ProcessNote, "text", self.note.pk)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TherapySession._meta.db_table} SET plan = %s WHERE id = %s",  # noqa: S608
                [stored, db_pk(TherapySession, self.session.pk)],
            )
        # The session row no longer matches its integrity record: refused whole.
        with self.assertRaises(RecordIntegrityError):
            _ = TherapySession.objects.get(pk=self.session.pk).plan
        # Underneath, the value does not decrypt as the session's plan (the associated data
        # the field would use for it), nor under the note's own row id and parent.
        for row_id, binding in [
            (str(self.session.pk), binding_of(self.session)),
            (str(self.note.pk), binding_of(self.note)),
        ]:
            with self.assertRaises(DecryptionError):
                open_sealed(
                    stored,
                    label="therapy_sessions.therapysession.plan",
                    row_id=row_id,
                    binding=binding,
                )

    def test_the_text_is_kept_exactly_and_shown_on_its_page(self):
        page = self.client.get(self.url)
        self.assertContains(page, self.private)
        self.assertEqual(self.note.text, f"Countertransference: {self.private}")


class NeverShownUnlessAskedTests(ProcessNoteTestCase):
    def test_the_session_page_only_links_to_it_in_a_collapsed_section(self):
        page = self.client.get(self.session.get_absolute_url())
        self.assertNotContains(page, self.private)
        self.assertContains(page, '<details class="bg-body border rounded p-3 mb-3 process-note')
        self.assertNotContains(page, "<details open")
        self.assertContains(page, "Open process note")
        self.assertContains(page, self.url)

    def test_it_is_not_on_the_client_page_the_dashboard_or_the_client_list(self):
        pages = {
            "client page": self.client.get(self.alice_client.get_absolute_url()),
            "dashboard": self.client.get(reverse("dashboard")),
            "client list": self.client.get(reverse("client_list")),
        }
        for what, page in pages.items():
            with self.subTest(what):
                self.assertEqual(page.status_code, 200)
                self.assertNotContains(page, self.private)

    def test_searching_for_its_text_finds_nobody(self):
        response = self.client.post(reverse("client_list"), {"q": self.private})
        self.assertEqual(response.context["clients"], [])
        self.assertContains(response, "No client matches")

    def test_an_export_without_it_leaves_it_out_of_the_record_and_the_pdf(self):
        response = export(self.client, self.alice_client)
        files = unzip(response)
        record = exported_record(response)
        self.assertFalse(record["includes_process_notes"])
        self.assertIsNone(record["process_notes_reason"])
        self.assertNotIn("process_note", record["sessions"][0])
        for name, content in files.items():
            with self.subTest(name):
                self.assertNotIn(self.private.encode(), content)
        if PDFTOTEXT:
            text = pdf_text(files["case-summary.pdf"])
            self.assertIn("Session notes", text)  # the scan below reads real text
            self.assertNotIn(self.private, text)
            self.assertNotIn("Process note", text)
        disclosure = Disclosure.objects.get(client=self.alice_client)
        self.assertFalse(disclosure.includes_process_notes)
        self.assertEqual(disclosure.process_notes_reason, "")

    def test_ticking_include_without_a_reason_is_refused_and_nothing_is_downloaded(self):
        for reason in ("", "   "):
            with self.subTest(reason=reason), new_entries() as entries:
                response = export(
                    self.client, self.alice_client, include_process_notes="on", reason=reason
                )
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response["Content-Type"].startswith("text/html"))
                self.assertNotIn("Content-Disposition", response)
                self.assertContains(response, "Say why the process notes are included")
                self.assertNotContains(response, self.private)
            self.assertEqual(entries, [])
        self.assertFalse(Disclosure.objects.exists())


class IncludedWithAReasonTests(ProcessNoteTestCase):
    def setUp(self):
        super().setUp()
        self.reason = ascii_canary("clientsownrequest")
        self.response = export(
            self.client,
            self.alice_client,
            include_process_notes="on",
            reason=f"Right of access: {self.reason}",
        )

    def test_it_is_in_the_record_json_with_the_reason(self):
        record = exported_record(self.response)
        self.assertTrue(record["includes_process_notes"])
        self.assertEqual(record["process_notes_reason"], f"Right of access: {self.reason}")
        self.assertEqual(
            record["sessions"][0]["process_note"]["text"], f"Countertransference: {self.private}"
        )

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) is not installed")
    def test_it_is_in_the_pdf_marked_as_included_deliberately(self):
        text = pdf_text(unzip(self.response)["case-summary.pdf"])
        self.assertIn(f"Countertransference: {self.private}", text)
        self.assertIn("Process note (included deliberately)", text)

    def test_the_reason_is_stored_encrypted_with_the_disclosure(self):
        disclosure = Disclosure.objects.get(client=self.alice_client)
        self.assertTrue(disclosure.includes_process_notes)
        self.assertEqual(disclosure.process_notes_reason, f"Right of access: {self.reason}")
        self.assertEqual(disclosure.created_by, self.alice)
        stored = raw_column(Disclosure, "process_notes_reason", disclosure.pk)
        self.assertEqual(hits(stored, [self.reason]), [])


class ProcessNoteAccessTests(ProcessNoteTestCase):
    def test_opening_the_page_is_audited(self):
        with new_entries() as entries:
            self.client.get(self.url)
        self.assertEqual([e.action for e in entries], [Action.VIEW_PROCESS_NOTE])
        self.assertEqual(
            (entries[0].object_type, entries[0].object_id), ("process_note", str(self.note.pk))
        )

    def test_bob_gets_404_and_changes_nothing(self):
        sign_in(self.client, self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(
            self.client.post(self.url, process_note_form(text="Bob's view.")).status_code, 404
        )
        self.assertEqual(
            ProcessNote.objects.get(pk=self.note.pk).text, f"Countertransference: {self.private}"
        )

    def test_an_invalid_process_note_keeps_the_text_and_changes_nothing(self):
        response = self.client.post(self.url, process_note_form(text="Bell\x07 in the text"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Nothing you typed has been lost")
        self.assertContains(response, "Remove the control character (code U+0007)")
        self.assertIn("Bell\x07 in the text", response.content.decode())
        self.assertEqual(
            ProcessNote.objects.get(pk=self.note.pk).text, f"Countertransference: {self.private}"
        )
