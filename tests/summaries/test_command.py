"""``manage.py case_summary``: writes the PDF, or fails with one clear line."""

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from audit.models import Action, AuditEvent
from clients.models import Disclosure
from summaries.pdf import SECTIONS
from tests.base import make_client
from tests.pdfs import pdf_text

from .helpers import SummaryTestCase, needs_poppler


class CaseSummaryCommandTests(SummaryTestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.output = Path(folder.name) / "summary.pdf"

    def call(self, code="C-0001", therapist="alice", **options):
        out = StringIO()
        options.setdefault("output", str(self.output))
        call_command("case_summary", code, therapist=therapist, stdout=out, **options)
        return out.getvalue()

    def assert_fails(self, message: str, **kwargs) -> None:
        with self.assertRaisesMessage(CommandError, message) as caught:
            self.call(**kwargs)
        self.assertNotIn("\n", str(caught.exception))
        self.assertFalse(self.output.exists())
        self.assertFalse(Disclosure.objects.exists())

    @needs_poppler
    def test_it_writes_the_summary_and_records_the_disclosure(self):
        out = self.call(
            **{"from": "2026-02-01", "to": "2026-02-28", "sections": "log", "full_notes": "signed"}
        )
        self.assertIn("C-0001", out)
        text = pdf_text(self.output.read_bytes())
        self.assertIn(self.signed_word, text)
        self.assertNotIn(self.draft_word, text)
        self.assertNotIn("Risk history", text)
        self.assertEqual(Disclosure.objects.get().kind, "summary")
        self.assertEqual(AuditEvent.objects.last().action, Action.PRINT_SUMMARY)

    def test_unknown_client(self):
        self.assert_fails("no client C-0009 for therapist alice", code="C-0009")

    def test_a_code_too_long_to_be_a_number_is_an_unknown_client(self):
        """Issue 13: int() fails past 4,300 digits; "١٢" are digits int() reads, no code's."""
        for number in ("9" * 5000, "\u0661\u0662", str(2**63)):
            with self.subTest(digits=len(number)):
                self.assert_fails("no client C-", code=f"C-{number}")

    def test_another_therapists_client(self):
        make_client(self.alice, full_name="Second Client")  # alice's C-0002; bob has C-0001 only
        self.assert_fails("no client C-0002 for therapist bob", code="C-0002", therapist="bob")

    def test_unknown_therapist(self):
        self.assert_fails("no therapist carol", therapist="carol")

    def test_unwritable_path(self):
        self.assert_fails("cannot write", output=str(self.output.parent / "missing" / "x.pdf"))

    def test_bad_dates(self):
        self.assert_fails("--from: not a date", **{"from": "yesterday"})
        self.assert_fails("--from is after --to", **{"from": "2026-03-01", "to": "2026-02-01"})

    def test_unknown_section_lists_the_valid_ones(self):
        self.assert_fails(
            f"unknown section notes; valid sections: {', '.join(SECTIONS)}", sections="log,notes"
        )
        self.assertIn("measures", SECTIONS)
