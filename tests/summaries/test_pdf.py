"""The case summary document: what it contains, what it leaves out, and that it is a sound,
self-contained PDF whatever the notes hold."""

import datetime
import re
import tempfile

from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from reportlab.lib.pagesizes import letter

from sessions.models import TherapySession
from summaries.pdf import FullNotes, SummaryOptions, render_case_summary
from summaries.services import build_case_summary, page_size
from tests.base import ALICE_CANARY_NAME, ALICE_CANARY_NOTE, make_session
from tests.pdfs import PDFTOTEXT, pdf_text
from themes.summary import theme_map

from .helpers import (
    ARABIC,
    CYRILLIC,
    GREEK,
    MARKUP,
    PDFFONTS,
    QPDF,
    SummaryTestCase,
    info,
    metadata,
    needs_poppler,
    needs_qpdf,
    run,
)


class SummaryPdfTestCase(SummaryTestCase):
    def build(self, **options) -> bytes:
        options.setdefault("page_size", page_size())
        return build_case_summary(
            client=self.alice_client, therapist=self.alice, options=SummaryOptions(**options)
        )


@needs_poppler
class ContentTests(SummaryPdfTestCase):
    def test_it_holds_identification_themes_risk_log_notes_and_addenda(self):
        text = pdf_text(self.build())
        for expected in (
            ALICE_CANARY_NAME,
            "01 Jun 1988",
            "C-0001",
            "Alice",
            "12 Jan 2026",
            "Low mood since the birth of her son.",
            "Theme summary",
            self.guilt.name,
            "Risk history",
            "Passive thoughts; safety plan reviewed.",
            "Session log",
            "23 Feb 2026",
            self.signed_word,
            f"Correction {self.addendum_word}",
            ALICE_CANARY_NOTE,
        ):
            with self.subTest(expected):
                self.assertIn(expected, text)

    def test_markup_and_non_latin_text_print_literally(self):
        text = pdf_text(self.build())
        for expected in (MARKUP, GREEK, CYRILLIC):
            with self.subTest(expected):
                self.assertIn(expected, text)

    def test_right_to_left_text_builds_and_its_letters_are_there(self):
        text = pdf_text(self.build())
        for word in ARABIC.split():
            self.assertTrue(set(word) <= set(text), word)

    def test_risk_history_lists_each_change_of_level_once(self):
        text = pdf_text(self.build(full_notes=FullNotes.NONE))
        history = text[text.index("Risk history") : text.index("Session log")]
        self.assertEqual(
            re.findall(r"\d\d \w\w\w 2026 · (None|Low|Moderate)", history),
            ["Low", "None", "Moderate"],
        )

    def test_page_numbers_say_x_of_y(self):
        text = pdf_text(self.build())
        pages = int(info(self.build())["Pages"])
        self.assertIn(f"Page 1 of {pages}", text)
        self.assertIn("CONFIDENTIAL · C-0001", text)
        self.assertIn("Generated", text)

    def test_process_notes_are_left_out_unless_requested(self):
        self.assertNotIn(self.process_word, pdf_text(self.build()))
        text = pdf_text(self.build(include_process_notes=True, process_notes_reason="Court"))
        self.assertIn(f"Private {self.process_word}", text)

    def test_signed_only_leaves_out_draft_notes(self):
        text = pdf_text(self.build(full_notes=FullNotes.SIGNED))
        self.assertIn(self.signed_word, text)
        self.assertNotIn(self.draft_word, text)

    def test_picked_sessions_only(self):
        text = pdf_text(
            self.build(full_notes=FullNotes.PICKED, picked=frozenset({self.markup_session.pk}))
        )
        self.assertIn(self.draft_word, text)
        self.assertNotIn(self.signed_word, text)

    def test_unticked_sections_and_notes_are_left_out(self):
        text = pdf_text(self.build(sections=frozenset({"log"}), full_notes=FullNotes.NONE))
        self.assertIn("Session log", text)
        for absent in (
            ALICE_CANARY_NAME,
            "Presenting concerns",
            "Theme summary",
            "Risk history",
            "Session notes",
            self.signed_word,
        ):
            with self.subTest(absent):
                self.assertNotIn(absent, text)

    def test_empty_sections_are_omitted(self):
        self.alice_client.presenting_concerns = ""
        text = pdf_text(
            self.build(date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2025, 2, 1))
        )
        for absent in ("Presenting concerns", "Theme summary", "Risk history", "Session log"):
            with self.subTest(absent):
                self.assertNotIn(absent, text)
        self.assertIn("Client identification", text)

    def test_the_date_range_limits_the_sessions(self):
        text = pdf_text(self.build(date_from=datetime.date(2026, 3, 1)))
        self.assertNotIn(self.signed_word, text)
        self.assertIn(self.draft_word, text)

    def test_long_notes_break_across_pages_and_long_words_wrap(self):
        word = "Ж" * 5_000
        long_note = " ".join(["A sentence of an unusually long note."] * 1_500)
        TherapySession.objects.filter(pk=self.alice_session.pk).delete()
        make_session(self.alice_client, note={"subjective": f"{long_note} {word} endmarker"})
        pdf = self.build()
        self.assertGreater(int(info(pdf)["Pages"]), 5)
        self.assertIn("endmarker", pdf_text(pdf))
        lines = run(PDFTOTEXT, "-enc", "UTF-8", "-", "-", data=pdf).stdout.decode().splitlines()
        runs = [len(found) for line in lines for found in re.findall(r"Ж+", line)]
        self.assertEqual(sum(runs), 5_000)  # all of it printed...
        self.assertLess(max(runs), 150)  # ...in lines that fit the page


@needs_poppler
class DocumentTests(SummaryPdfTestCase):
    def test_the_font_is_embedded(self):
        fonts = run(PDFFONTS, "-", data=self.build()).stdout.decode()
        rows = [line for line in fonts.splitlines() if "DejaVuSans" in line]
        self.assertTrue(rows, fonts)
        for row in rows:
            self.assertRegex(row, r"\byes\b")  # the "emb" column
        self.assertNotRegex(fonts, r"Helvetica|Times|Courier")

    @needs_qpdf
    def test_qpdf_check_passes(self):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(self.build())
            file.flush()
            result = run(QPDF, "--check", file.name)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_metadata_holds_no_client_name(self):
        meta = metadata(self.build())
        self.assertEqual(meta["/Title"], "Case summary C-0001")
        self.assertEqual(meta["/Subject"], "Confidential clinical record")
        self.assertEqual(meta["/Author"], "Alice")
        for value in meta.values():
            self.assertNotIn("Quillfeather", str(value))
        self.assertFalse(str(meta.get("/Keywords", "")).strip())

    def test_a4_by_default_and_letter_by_setting(self):
        self.assertIn("595.276 x 841.89 pts (A4)", info(self.build())["Page size"])
        with override_settings(SUMMARY_PAGE_SIZE="LETTER"):
            self.assertEqual(page_size(), letter)
            self.assertIn("612 x 792 pts (letter)", info(self.build())["Page size"])

    def test_no_external_resource_is_referenced(self):
        pdf = self.build()
        self.assertNotIn(b"http://example.org", pdf.replace(b"\\", b""))
        self.assertNotIn(b"/URI", pdf)


@needs_poppler
class PassphraseTests(SummaryPdfTestCase):
    PASSPHRASE = "correct horse battery"

    def test_it_opens_only_with_the_passphrase(self):
        pdf = self.build(passphrase=self.PASSPHRASE)
        self.assertNotIn(self.signed_word.encode(), pdf)
        refused = run(PDFTOTEXT, "-", "-", data=pdf)
        self.assertNotEqual(refused.returncode, 0)
        wrong = run(PDFTOTEXT, "-upw", "not the passphrase", "-", "-", data=pdf)
        self.assertNotEqual(wrong.returncode, 0)
        opened = run(PDFTOTEXT, "-upw", self.PASSPHRASE, "-enc", "UTF-8", "-", "-", data=pdf)
        self.assertEqual(opened.returncode, 0, opened.stderr)
        self.assertIn(self.signed_word, opened.stdout.decode())

    def test_it_is_aes_256(self):
        pdf = self.build(passphrase=self.PASSPHRASE)
        self.assertIn(b"/AESV3", pdf)
        meta = metadata(pdf, self.PASSPHRASE)
        self.assertEqual(meta["/Title"], "Case summary C-0001")


MARKUP_FRAGMENTS = st.sampled_from(
    ["<b>", "</i>", "&amp;", "&", '<img src="/etc/passwd"/>', '<font color="red">', "<br/>",
     "<para>", "]]>", "<!--", "&#0;", "\x00", "\u202e", "\ufeff", "\r\n"]
)  # fmt: skip
NOTE_TEXT = st.lists(st.one_of(st.text(), MARKUP_FRAGMENTS), max_size=20).map("".join) | st.builds(
    lambda word, n: word * n, st.text(min_size=1, max_size=5), st.integers(1_000, 20_000)
)


@needs_poppler
class AnyNoteTextTests(HypothesisTestCase, SummaryTestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(NOTE_TEXT)
    def test_any_note_text_builds_and_the_rest_still_extracts(self, note):
        session = TherapySession(
            client=self.alice_client,
            date=datetime.date(2026, 4, 1),
            start_time=datetime.time(9, 0),
            note={"subjective": f"{note} hypothesisend"},
            mood_affect=note[:500],
            risk_notes=note[:2_000],
        )
        pdf = render_case_summary(
            client=self.alice_client,
            therapist=self.alice,
            sessions=[session],
            themes=theme_map(self.alice),
            options=SummaryOptions(),
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = pdf_text(pdf)
        self.assertIn("hypothesisend", text)
        self.assertIn("Session notes", text)


class TallRiskNotesTests(SummaryPdfTestCase):
    def test_risk_notes_of_many_short_lines_still_build(self):
        # Found by hypothesis: 1,000 lines of "0" in the risk notes made the risk-history row
        # taller than a page (LayoutError). The excerpt is now one paragraph.
        make_session(
            self.alice_client,
            date=datetime.date(2026, 3, 9),
            note={"subjective": "Short."},
            risk_level="moderate",
            risk_notes="0\n" * 1000,
        )
        self.assertTrue(self.build().startswith(b"%PDF"))
