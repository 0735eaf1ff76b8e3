"""The print view of one note: a header with the client's code (never the name), date, start
time, format, signer and seal status; the note's text in its one order; themes and addenda;
never the process note. Another therapist's note is a 404; every print is audited."""

from django.urls import reverse
from django.utils.html import escape

from audit.models import Action
from integrity import ledger
from sessions import services
from sessions.models import TherapySession
from tests.audit.helpers import new_entries
from tests.base import ALICE_CANARY_NAME, ALICE_CANARY_NOTE, PersonaTestCase, make_signed_session
from tests.records import db_pk, immutability_triggers_off, raw

PROCESS_CANARY = "process-canary-Ξ42 my own reaction to her silence"
ADDENDUM = "Correction: the visit was on the Tuesday."


def print_url(session) -> str:
    return reverse("session_print", args=[session.pk])


class PrintViewTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.signed = make_signed_session(
            cls.alice_client,
            cls.alice,
            mood_affect="Flat, then warmer",
            note={
                "subjective": "First the subjective part.",
                "objective": "Then the objective part.",
                "assessment": "Then the assessment.",
            },
            plan="The plan comes after the sections.",
            risk_notes="Risk reasoning comes last.",
            themes=[{"theme": cls.maternal_rejection.pk, "intensity": 2}],
        )
        services.save_process_note(session=cls.signed, text=PROCESS_CANARY)
        services.add_addendum(session=cls.signed, author=cls.alice, text=ADDENDUM)

    def setUp(self):
        self.sign_in(self.alice)

    def test_the_header_names_the_code_never_the_client(self):
        page = self.client.get(print_url(self.signed))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, self.alice_client.code)
        self.assertNotContains(page, ALICE_CANARY_NAME)
        self.assertNotContains(page, escape(ALICE_CANARY_NAME))
        self.assertNotContains(page, "quillfeather@example.org")
        self.assertContains(page, self.signed.date.strftime("%-d %B %Y"))
        self.assertContains(page, "11:00, 50 min")
        self.assertContains(page, "SOAP")
        self.assertRegex(page.content.decode(), r"by\s+Alice on \d+ \w+ \d{4}, \d\d:\d\d")
        self.assertContains(page, "Verified: the content matches")

    def test_the_text_in_its_order_with_themes_and_addenda_and_no_process_note(self):
        html = self.client.get(print_url(self.signed)).content.decode()
        order = [
            "Flat, then warmer",
            "First the subjective part.",
            "Then the objective part.",
            "Then the assessment.",
            "The plan comes after the sections.",
            "Risk reasoning comes last.",
            "Maternal rejection (explored)",
            escape(ADDENDUM),
        ]
        positions = [html.index(text) for text in order]
        self.assertEqual(positions, sorted(positions))
        self.assertNotIn(PROCESS_CANARY, html)
        self.assertNotIn("Process note", html)
        # Negative control: the process note is stored, and its own page shows it.
        self.assertContains(
            self.client.get(reverse("process_note", args=[self.signed.pk])), PROCESS_CANARY
        )

    def test_a_draft_says_it_is_not_signed_or_sealed(self):
        page = self.client.get(print_url(self.alice_session))
        self.assertContains(page, ALICE_CANARY_NOTE)
        self.assertContains(page, "Not signed: this is a draft")
        self.assertContains(page, "None: drafts are not sealed.")

    def test_another_therapists_note_is_a_404(self):
        self.sign_in(self.bob)
        with new_entries() as entries:
            response = self.client.get(print_url(self.signed))
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(ALICE_CANARY_NOTE, response.content.decode())
        self.assertEqual([e.action for e in entries if e.action == Action.PRINT_SESSION], [])
        # Negative control: the same request by the note's therapist is answered.
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(print_url(self.signed)).status_code, 200)

    def test_printing_is_audited_without_content(self):
        with new_entries() as entries:
            self.client.get(print_url(self.signed))
        self.assertEqual([e.action for e in entries], [Action.PRINT_SESSION])
        self.assertEqual(entries[0].object_id, str(self.signed.pk))
        self.assertEqual(entries[0].client_code, self.alice_client.code)

    def test_a_broken_seal_is_shown_and_audited(self):
        # Changed outside the app, and the ledger brought in line (the ledger alone would
        # refuse the row first): the note's own seal still tells.
        with immutability_triggers_off():
            raw(
                f"UPDATE {TherapySession._meta.db_table} SET content_hash = %s WHERE id = %s",  # noqa: S608
                ["f" * 64, db_pk(TherapySession, self.signed.pk)],
            )
        ledger.record_rows(TherapySession, [self.signed.pk], using="default")
        with new_entries() as entries:
            page = self.client.get(print_url(self.signed))
        self.assertContains(page, "Does not match")
        self.assertNotContains(page, "Verified")
        self.assertIn(Action.INTEGRITY_FAILURE, [e.action for e in entries])

    def test_the_note_page_has_a_print_button_and_the_print_page_no_forms(self):
        detail = self.client.get(self.signed.get_absolute_url())
        self.assertContains(detail, f'href="{print_url(self.signed)}">Print</a>')
        page = self.client.get(print_url(self.signed)).content.decode()
        main = page[page.index('<main id="main"') : page.index("</main>")]
        self.assertNotIn("<form", main)
        self.assertIn('<button type="button" class="btn btn-primary" data-print hidden>', main)
        self.assertIn("/static/css/note_form.css", page)
        self.assertIn("/static/js/print.js", page)
