"""The summary's progress sections: the outcome measures (a chart and a table with reliable
change per measure) and the treatment plan with each objective's progress from the notes."""

import datetime
import re
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from reportlab.graphics.shapes import String
from reportlab.lib.units import mm

from measures import catalogue
from measures.reports import client_history
from measures.scoring import answers_for_total
from measures.services import record_administration
from plans import services as plans
from sessions.services import sign_session
from summaries.measure_chart import measure_chart
from summaries.pdf import SECTIONS, FullNotes, SummaryOptions
from summaries.services import build_case_summary, page_size
from tests.base import make_session
from tests.pdfs import pdf_text

from .helpers import QPDF, SummaryTestCase, add_plan, needs_poppler, needs_qpdf, run

PHQ9 = [(datetime.date(2026, 1, 12), 19), (datetime.date(2026, 2, 9), 17)]
PHQ9 += [(datetime.date(2026, 3, 9), 9), (datetime.date(2026, 4, 6), 6)]


class ProgressTestCase(SummaryTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        phq9 = catalogue.all_measures()["phq9"]
        for day, total in PHQ9:
            record_administration(
                client=cls.alice_client,
                measure_slug="phq9",
                answers=answers_for_total(phq9, total),
                administered_on=day,
                user=cls.alice,
            )
        # Two answers of nine: too few to score.
        record_administration(
            client=cls.alice_client,
            measure_slug="phq9",
            answers={1: 1, 2: 1},
            administered_on=datetime.date(2026, 4, 20),
            user=cls.alice,
        )
        cls.content = add_plan(cls.alice_client, cls.alice, comment_session=cls.markup_session)

    def build(self, **options) -> bytes:
        options.setdefault("page_size", page_size())
        options.setdefault("full_notes", FullNotes.NONE)
        return build_case_summary(
            client=self.alice_client, therapist=self.alice, options=SummaryOptions(**options)
        )


@needs_poppler
class MeasuresSectionTests(ProgressTestCase):
    def test_a_table_row_per_questionnaire_with_reliable_change(self):
        text = pdf_text(self.build())
        section = text[text.index("Outcome measures") : text.index("Theme summary")]
        self.assertIn("PHQ-9: Patient Health Questionnaire-9", section)
        for row in (
            "12 Jan 2026 19 Moderately severe · at or above cut-off — —",
            "09 Feb 2026 17 Moderately severe · at or above cut-off no reliable change "
            "no reliable change",
            "09 Mar 2026 9 Mild reliably better reliably better",
            "06 Apr 2026 6 Mild no reliable change reliably better",
            "20 Apr 2026 incomplete",
        ):
            with self.subTest(row):
                self.assertIn(row, section)
        self.assertIn("The first score, the baseline: 12 Jan 2026.", section)
        self.assertIn("No permission required", section)  # the measure's copyright line

    def test_the_period_limits_the_rows_and_the_baseline_stays_the_first(self):
        text = pdf_text(self.build(date_from=datetime.date(2026, 3, 1)))
        section = text[text.index("Outcome measures") : text.index("Theme summary")]
        self.assertNotIn("12 Jan 2026 19", section)
        self.assertIn("09 Mar 2026 9 Mild reliably better reliably better", section)
        self.assertIn("The first score, the baseline: 12 Jan 2026.", section)

    def test_unticked_or_without_questionnaires_it_is_left_out(self):
        sections = frozenset(SECTIONS) - {"measures"}
        self.assertNotIn("Outcome measures", pdf_text(self.build(sections=sections)))
        later = pdf_text(self.build(date_from=datetime.date(2026, 5, 1)))
        self.assertNotIn("Outcome measures", later)


class MeasureChartTests(ProgressTestCase):
    def test_band_names_and_the_cut_off_are_printed_whole(self):
        (history,) = client_history(self.alice_client)
        drawing = measure_chart(history, 174 * mm)
        labels = " ".join(s.text for s in drawing.contents if isinstance(s, String))
        for band in history.measure.bands:
            self.assertIn(band.label, labels)
        self.assertIn(history.measure.cutoff_label, labels)
        self.assertIn("12 Jan 2026", labels)
        self.assertIn("06 Apr 2026", labels)  # the last scored point, not the incomplete one
        self.assertNotIn("…", labels)


@needs_poppler
class PlanSectionTests(ProgressTestCase):
    def plan_text(self, **options) -> str:
        text = pdf_text(self.build(**options))
        return text[text.index("Treatment plan and progress") : text.index("Outcome measures")]

    def test_the_signed_plan_with_each_objectives_progress(self):
        section = self.plan_text()
        self.assertRegex(section, r"Version 1, signed by Alice, \d\d \w\w\w 2026 \d\d:\d\d")
        self.assertIn("review by 01 Jul 2026", section)
        for expected in (
            "Problems • Guilt when she refuses her partner.",
            "Goal 1: Set limits without guilt.",
            "Objective 1.1 (target 01 Jun 2026): Names one boundary a week.",
            "16 Mar 2026 · Some progress: her partner: c000 c001",
            "Objective 1.2: Keeps a sleep diary. No progress recorded in this period.",
            "Goal 2: Share night care.",
            "Objective 2.1: Agrees a rota with her partner.",
            "Planned interventions • Chair work with her partner.",
        ):
            with self.subTest(expected):
                self.assertIn(expected, section)
        # The long comment, whole.
        self.assertEqual(re.findall(r"\bc\d{3}\b", section), [f"c{n:03d}" for n in range(180)])

    def test_progress_outside_the_period_is_left_out(self):
        section = self.plan_text(date_to=datetime.date(2026, 3, 1))
        self.assertNotIn("Some progress", section)
        self.assertIn("Objective 1.1 (target 01 Jun 2026): Names one boundary a week. No "
                      "progress recorded in this period.", section)  # fmt: skip

    def test_a_newer_draft_is_said_to_be_left_out(self):
        plans.start_draft(client=self.alice_client, user=self.alice)
        self.assertIn("A newer draft of the plan is not signed and is left out.", self.plan_text())

    def test_a_draft_notes_progress_is_marked_and_left_out_of_signed_notes_only(self):
        # The 16 Mar note is a draft: its progress can still change. A signed note's is kept.
        signed = make_session(self.alice_client, date=datetime.date(2026, 4, 13))
        plans.record_progress(
            session=signed,
            user=self.alice,
            goals_addressed=[],
            objectives={"o1": {"rating": "achieved", "comment": "Held firm."}},
        )
        sign_session(session=signed, signer=self.alice, expected_version=signed.version)
        section = self.plan_text(full_notes=FullNotes.NONE)
        self.assertIn("(draft note) 16 Mar 2026 · Some progress: her partner: c000", section)
        self.assertIn("13 Apr 2026 · Achieved: Held firm.", section)
        self.assertNotIn("(draft note) 13 Apr", section)
        section = self.plan_text(full_notes=FullNotes.SIGNED)
        self.assertNotIn("16 Mar 2026", section)
        self.assertNotIn("c000", section)
        self.assertIn("Names one boundary a week. 13 Apr 2026 · Achieved: Held firm.", section)
        self.assertNotIn("(draft note)", section)

    def test_unticked_it_is_left_out(self):
        text = pdf_text(self.build(sections=frozenset(SECTIONS) - {"plan"}))
        self.assertNotIn("Treatment plan", text)
        self.assertIn("Outcome measures", text)

    @needs_qpdf
    def test_the_whole_summary_passes_qpdf_check(self):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(self.build(full_notes=FullNotes.ALL, risk_history="all"))
            file.flush()
            result = run(QPDF, "--check", file.name)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_the_command_line_takes_the_sections(self):
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "summary.pdf"
            call_command(
                "case_summary",
                "C-0001",
                therapist="alice",
                output=str(output),
                sections="measures,plan",
                full_notes="none",
                stdout=StringIO(),
            )
            text = pdf_text(output.read_bytes())
        self.assertIn("Treatment plan and progress", text)
        self.assertIn("Outcome measures", text)
        self.assertNotIn("Session log", text)


class NoPlanTests(SummaryTestCase):
    @needs_poppler
    def test_a_client_without_a_signed_plan_has_no_plan_section(self):
        plans.start_draft(client=self.alice_client, user=self.alice)
        options = SummaryOptions(page_size=page_size(), full_notes=FullNotes.NONE)
        pdf = build_case_summary(client=self.alice_client, therapist=self.alice, options=options)
        self.assertNotIn("Treatment plan", pdf_text(pdf))
