"""The case summary page: a form scoped to the therapist's own clients, a PDF download that is
never cached, recorded as a disclosure and in the audit log."""

import datetime

from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in
from audit.models import Action
from clients.models import Disclosure, DisclosureKind
from summaries.pdf import SECTIONS
from tests.audit.helpers import new_entries
from tests.builders import summary_form
from tests.pdfs import pdf_text

from .helpers import SummaryTestCase, metadata, needs_poppler


class SummaryPageTests(SummaryTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.url = reverse("case_summary", args=[self.alice_client.pk])

    def test_the_client_page_links_to_it(self):
        page = self.client.get(self.alice_client.get_absolute_url())
        self.assertContains(page, self.url)
        self.assertContains(page, "Case summary")

    def test_the_form_defaults_to_the_whole_treatment_and_every_section(self):
        with new_entries() as entries:
            page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        form = page.context["form"]
        self.assertEqual(form["date_from"].value(), datetime.date(2026, 1, 12))
        self.assertEqual(form["date_to"].value(), timezone.localdate())
        self.assertEqual(form["sections"].value(), list(SECTIONS))
        self.assertContains(page, "23 Feb 2026 · SOAP · signed")
        self.assertEqual(entries, [])

    @needs_poppler
    def test_a_valid_post_downloads_an_opaque_uncached_pdf_and_records_it(self):
        with new_entries() as entries:
            response = self.client.post(self.url, summary_form())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        today = timezone.localdate().isoformat()
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="C-0001-summary-{today}.pdf"'
        )
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn(self.signed_word, pdf_text(response.content))
        self.assertNotIn(self.process_word, pdf_text(response.content))
        self.assertEqual([e.action for e in entries], [Action.PRINT_SUMMARY])
        self.assertEqual(entries[0].client_code, "C-0001")
        disclosure = Disclosure.objects.get()
        self.assertEqual(disclosure.kind, DisclosureKind.SUMMARY)
        self.assertFalse(disclosure.includes_process_notes)

    @needs_poppler
    def test_process_notes_need_a_reason_which_is_kept_with_the_disclosure(self):
        response = self.client.post(self.url, summary_form(include_process_notes="on"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("process_notes_reason", response.context["form"].errors)
        self.assertFalse(Disclosure.objects.exists())
        response = self.client.post(
            self.url,
            summary_form(include_process_notes="on", process_notes_reason="Requested by court"),
        )
        self.assertIn(f"Private {self.process_word}", pdf_text(response.content))
        disclosure = Disclosure.objects.get()
        self.assertTrue(disclosure.includes_process_notes)
        self.assertEqual(disclosure.process_notes_reason, "Requested by court")

    @needs_poppler
    def test_picked_sessions_only(self):
        response = self.client.post(self.url, summary_form(full_notes="picked"))
        self.assertIn("picked", response.context["form"].errors)
        response = self.client.post(
            self.url, summary_form(full_notes="picked", picked=[str(self.markup_session.pk)])
        )
        text = pdf_text(response.content)
        self.assertIn(self.draft_word, text)
        self.assertNotIn(self.signed_word, text)

    def test_an_invalid_form_keeps_what_was_typed_except_passphrases(self):
        response = self.client.post(
            self.url,
            summary_form(
                date_from="2026-05-01",
                date_to="2026-04-01",
                passphrase="short",
                passphrase_confirm="short",
            ),
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertIn("date_to", errors)
        self.assertIn("passphrase", errors)
        self.assertContains(response, 'value="2026-05-01"')
        self.assertNotContains(response, 'value="short"')
        self.assertTrue(list(response.context["messages"]))
        self.assertNotIn("Content-Disposition", response)

    def test_passphrases_must_match(self):
        response = self.client.post(
            self.url,
            summary_form(passphrase="a long passphrase", passphrase_confirm="another passphrase"),
        )
        self.assertIn("passphrase_confirm", response.context["form"].errors)

    @needs_poppler
    def test_a_passphrase_encrypts_the_download(self):
        passphrase = "a long passphrase 2026"
        response = self.client.post(
            self.url, summary_form(passphrase=passphrase, passphrase_confirm=passphrase)
        )
        self.assertIn(b"/AESV3", response.content)
        self.assertEqual(metadata(response.content, passphrase)["/Title"], "Case summary C-0001")

    def test_bob_gets_404_and_nothing_is_recorded(self):
        sign_in(self.client, self.bob)
        with new_entries() as entries:
            self.assertEqual(self.client.get(self.url).status_code, 404)
            response = self.client.post(self.url, summary_form())
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"%PDF", response.content)
        self.assertEqual(entries, [])
        self.assertFalse(Disclosure.objects.exists())
