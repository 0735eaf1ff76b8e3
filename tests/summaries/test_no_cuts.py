"""Nothing is cut: a risk note of 5,000 characters is printed whole in the risk history (every
assessment or changes only) and in the full note; long theme names are wrapped in the charts,
never shortened."""

import datetime
import re
import tempfile

from django.test import SimpleTestCase
from reportlab.graphics.shapes import String
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from sessions.links import ThemeLink, stored_links
from summaries import charts, layout
from summaries.fonts import FONT
from summaries.pdf import FullNotes, RiskHistory, SummaryOptions
from summaries.services import build_case_summary, page_size
from tests.base import make_session
from tests.pdfs import pdf_text
from themes.analytics import SessionThemes, timeline
from themes.models import Theme

from .helpers import QPDF, SummaryTestCase, needs_poppler, needs_qpdf, run

# 834 distinct numbered words: over 5,000 characters with the spaces.
WORDS = [f"w{number:04d}" for number in range(1, 835)]
LONG_RISK = " ".join(WORDS)


@needs_poppler
class LongRiskNoteTests(SummaryTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        assert len(LONG_RISK) > 5_000, len(LONG_RISK)
        make_session(
            cls.alice_client,
            date=datetime.date(2026, 3, 23),
            note={"subjective": "Short."},
            risk_level="high",
            risk_notes=LONG_RISK,
        )

    def build(self, **options) -> bytes:
        options.setdefault("page_size", page_size())
        return build_case_summary(
            client=self.alice_client, therapist=self.alice, options=SummaryOptions(**options)
        )

    def assert_every_word_once(self, text: str) -> None:
        found = re.findall(r"\bw\d{4}\b", text)
        self.assertEqual(found, WORDS)

    def test_the_risk_history_prints_every_word(self):
        for history in (RiskHistory.CHANGES, RiskHistory.ALL):
            with self.subTest(history):
                text = pdf_text(self.build(full_notes=FullNotes.NONE, risk_history=history))
                self.assertNotIn("…", text)
                self.assert_every_word_once(text[text.index("Risk history") :])

    def test_the_full_note_prints_every_word(self):
        text = pdf_text(self.build(sections=frozenset(), full_notes=FullNotes.ALL))
        self.assert_every_word_once(text)

    def test_a_risk_note_longer_than_a_page_splits_across_pages(self):
        page = " ".join(f"line{n:04d}\n" for n in range(400))  # 400 lines: several pages
        make_session(
            self.alice_client,
            date=datetime.date(2026, 3, 30),
            note={"subjective": "Short."},
            risk_level="moderate",
            risk_notes=page,
        )
        text = pdf_text(self.build(full_notes=FullNotes.NONE, risk_history=RiskHistory.ALL))
        self.assertEqual(re.findall(r"line\d{4}", text), [f"line{n:04d}" for n in range(400)])

    @needs_qpdf
    def test_qpdf_check_passes(self):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(self.build(risk_history=RiskHistory.ALL))
            file.flush()
            result = run(QPDF, "--check", file.name)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


LONG_NAME = "Relationship with the mother and her own family of origin, across generations"
UNBROKEN = "Intergenerationaltransmissionofattachmentinsecurityandrejection"


class ChartLabelTests(SimpleTestCase):
    def test_a_long_label_is_wrapped_whole_within_the_width(self):
        for label in (LONG_NAME, UNBROKEN, "Short"):
            with self.subTest(label):
                lines = charts.wrap_label(label, 40 * mm)
                self.assertEqual("".join(lines).replace(" ", ""), label.replace(" ", ""))
                for line in lines:
                    self.assertLessEqual(stringWidth(line, FONT, 7), 40 * mm)
        self.assertEqual(charts.wrap_label("Short", 40 * mm), ["Short"])
        self.assertGreater(len(charts.wrap_label(UNBROKEN, 40 * mm)), 1)

    def strings(self, drawing) -> str:
        return " ".join(s.text for s in drawing.contents if isinstance(s, String))

    def test_the_charts_print_long_theme_names_whole(self):
        theme = Theme(pk=1, name=LONG_NAME, category="attachment", sort_order=1)
        line = timeline(
            [SessionThemes(1, 1, datetime.date(2026, 1, 5), datetime.time(10), {1: 3})], {1: theme}
        )
        for drawing in (
            charts.heat_strip(line, 174 * mm),
            charts.frequency_bars([(LONG_NAME, 3, True)], 174 * mm),
        ):
            with self.subTest(type(drawing)):
                printed = self.strings(drawing)
                self.assertIn(LONG_NAME, printed.replace("\n", " "))
                self.assertNotIn("…", printed)


class TableCellTests(SimpleTestCase):
    """User text in a table (theme names in the session log, severity in the measures'
    tables) is wrapped to its column as plain lines, or given to a Paragraph to break a word
    too long for the column; either way every character is kept."""

    WIDTH = 60 * mm

    def test_words_are_wrapped_into_the_column_and_none_is_lost(self):
        value = f"{LONG_NAME}, Boundaries, Fear of intimacy"
        cell = layout.cell(value, self.WIDTH, layout.paragraph_styles())
        self.assertIsInstance(cell, str)
        lines = cell.split("\n")
        self.assertGreater(len(lines), 1)
        self.assertEqual(" ".join(lines), value)
        inner = self.WIDTH - 2 * layout.CELL_PADDING
        for line in lines:
            self.assertLessEqual(stringWidth(line, FONT, layout.CELL_FONT_SIZE), inner)

    def test_a_word_wider_than_the_column_goes_to_a_paragraph(self):
        cell = layout.cell(f"Short, {UNBROKEN}", 30 * mm, layout.paragraph_styles())
        self.assertIsInstance(cell, Paragraph)
        self.assertIn(UNBROKEN, cell.text)
        self.assertIsInstance(layout.cell("Short", 30 * mm, layout.paragraph_styles()), str)

    def test_control_characters_and_line_breaks_become_spaces(self):
        cell = layout.cell("Grief\x00 and\r\nloss", self.WIDTH, layout.paragraph_styles())
        self.assertEqual(cell, "Grief and loss")


@needs_poppler
class SessionLogCellTests(SummaryTestCase):
    """A custom theme's name reaches the session log as written: markup is printed, not
    obeyed, and a name longer than the column is printed whole."""

    def test_theme_names_are_printed_literally_and_whole(self):
        names = ['<font size="40">Big</font> & <b>bold</b>', LONG_NAME, UNBROKEN]
        themes = [
            Theme.objects.create(
                name=name, slug=f"own-{n}", category="affect", owner=self.alice, sort_order=99
            )
            for n, name in enumerate(names)
        ]
        make_session(
            self.alice_client,
            date=datetime.date(2026, 3, 23),
            themes=stored_links(ThemeLink(theme.pk, 2) for theme in themes),
        )
        text = pdf_text(
            build_case_summary(
                client=self.alice_client,
                therapist=self.alice,
                options=SummaryOptions(
                    sections=frozenset({"log"}), full_notes=FullNotes.NONE, page_size=page_size()
                ),
            )
        )
        log = " ".join(text[text.index("Session log") :].split())
        self.assertIn(names[0], log)
        self.assertIn(LONG_NAME, log)
        self.assertIn(UNBROKEN, log.replace(" ", ""))
