"""The de-identified case summary: the client's names and those of the people listed on their
record replaced everywhere (text, metadata, file name); the same summary not de-identified
names everyone (the negative control)."""

import datetime
import re
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.models import ProcessNote
from sessions.services import add_addendum
from summaries.deidentify import Scrubber, scrubber_for
from summaries.pdf import SECTIONS, RiskHistory, SummaryOptions
from summaries.services import build_case_summary, page_size
from tests.base import make_client, make_session, make_signed_session
from tests.builders import summary_form
from tests.pdfs import pdf_text
from themes.models import Theme

from .helpers import SummaryTestCase, add_plan, info, metadata, needs_poppler

# Every name, and every part of one, that must not be printed.
NAMES = ["Ottoline", "Brackenbury", "Lina", "Mortimer", "Henrietta", "Ysolde"]


class ScrubberTests(SimpleTestCase):
    scrub = Scrubber(
        [
            ("Alice Canary", "C-0007"),
            ("Ally", "C-0007"),
            ("Mark", "[partner]"),
            ("Jean Canary", "[mother]"),
            ("Zoë", "[sister]"),
            ("Ludwig van Beethoven", "[friend]"),
        ]
    )

    def test_whole_names_parts_case_and_possessives(self):
        self.assertEqual(
            self.scrub("Alice Canary's partner MARK's car; alice met Jean, and Canary called."),
            "C-0007's partner [partner]'s car; C-0007 met [mother], and C-0007 called.",
        )

    def test_the_longest_name_wins_and_spacing_does_not_matter(self):
        self.assertEqual(self.scrub("jean\n canary and Jean"), "[mother] and [mother]")

    def test_accents_are_optional_and_composed_or_not(self):
        self.assertEqual(self.scrub("Zoe, Zoë, Zoe\u0308, ZOË"), ", ".join(["[sister]"] * 4))

    def test_only_whole_words(self):
        for kept in ("Markus", "remarked", "Allyson", "trademark", "Marked", "Zoey"):
            with self.subTest(kept):
                self.assertEqual(self.scrub(kept), kept)

    def test_an_s_or_es_ending_stays_and_a_long_name_starts_a_word(self):
        self.assertEqual(
            self.scrub("the Canarys, Marks car, Canaryová"), "the C-0007s, [partner]s car, C-0007"
        )

    def test_particles_and_initials_alone_are_kept(self):
        self.assertEqual(self.scrub("van Beethoven, van, Ludwig"), "van [friend], van, [friend]")
        self.assertEqual(
            Scrubber([("J. R. Hartley", "[father]")])("J. R. and Hartley"), "J. R. and [father]"
        )

    def test_addresses_and_punctuation_around_a_name(self):
        self.assertEqual(
            self.scrub("(mark@example.org) «Ally»"), "([partner]@example.org) «C-0007»"
        )

    def test_no_names_no_change(self):
        self.assertEqual(Scrubber([])("Mark"), "Mark")

    @settings(max_examples=200, deadline=None)
    @given(st.text(), st.text(), st.sampled_from(["Mark", "mark's", "JEAN CANARY", "Zoe"]))
    def test_any_text_around_a_name_loses_the_name(self, before, after, name):
        scrubbed = self.scrub(f"{before} {name} {after}")
        spaced = f" {self.scrub(before)} {self.scrub(after)} ".casefold()
        # Whatever else the text holds, the name between the spaces is gone (it can remain
        # only where the random text itself wrote it glued to other letters).
        self.assertLessEqual(
            scrubbed.casefold().count(name.split("'")[0].casefold()),
            spaced.count(name.split("'")[0].casefold()),
        )


class DeidentifiedSummaryTests(SummaryTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        alice = cls.alice
        client = make_client(
            alice,
            full_name="Ottoline Brackenbury",
            preferred_name="Lina",
            date_of_birth=datetime.date(1990, 4, 3),
            email="ottoline@example.org",
            presenting_concerns="Lina came after Mortimer left; Henrietta Brackenbury is unwell.",
            other_names=[
                {"name": "Mortimer", "role": "partner"},
                {"name": "Henrietta Brackenbury", "role": "mother"},
                {"name": "Ysolde", "role": "sister"},
            ],
        )
        client.closing_summary = "Ottoline ended therapy; Ysolde supported her."
        client.save()
        cls.named = client
        theme = Theme.objects.create(
            slug="rows-with-mortimer", name="Rows with Mortimer", category="relational", owner=alice
        )
        signed = make_signed_session(
            client,
            alice,
            date=datetime.date(2026, 2, 2),
            note={"subjective": "Ottoline said MORTIMER's silence hurt; Lina's mother called."},
            mood_affect="Lina tearful about Henrietta",
            plan="Ysolde to join next time",
            interventions="Chair work with Mortimer",
            risk_level="low",
            risk_notes="Brackenbury family aware; Ysolde will stay over.",
            themes=[{"theme": theme.pk, "intensity": 3, "evidence": "Mortimer shouted"}],
        )
        add_addendum(session=signed, author=alice, text="Correction: Henrietta, not Ysolde.")
        ProcessNote.objects.create(session=signed, text="Lina idealises Henrietta.")
        draft = make_session(
            client,
            date=datetime.date(2026, 2, 9),
            note={"subjective": "ysolde and mortimer argued; ottoline brackenbury stayed calm."},
            risk_level="moderate",
            risk_notes="Henrietta Brackenbury's illness; Lina has passive thoughts.",
        )
        # The plan's problem, objective, intervention and a progress comment name him.
        add_plan(client, alice, comment_session=draft, names={"partner": "Mortimer"})

    def build(self, **options) -> bytes:
        options.setdefault("page_size", page_size())
        options.setdefault("sections", frozenset(SECTIONS))
        options.setdefault("risk_history", RiskHistory.ALL)
        options.setdefault("include_process_notes", True)
        options.setdefault("process_notes_reason", "Supervision")
        options.setdefault("purpose", "Supervision of Lina's case with Mortimer's consent")
        return build_case_summary(
            client=self.named, therapist=self.alice, options=SummaryOptions(**options)
        )

    def names_in(self, found: str) -> list[str]:
        return [name for name in NAMES if re.search(name, found, re.IGNORECASE)]

    @needs_poppler
    def test_no_name_is_printed_and_roles_stand_in(self):
        text = pdf_text(self.build(de_identified=True))
        self.assertEqual(self.names_in(text), [])
        self.assertNotIn("ottoline@example.org", text)
        self.assertNotIn("03 Apr 1990", text)
        for expected in (
            "De-identified: names replaced by roles",
            "C-0002 said [partner]'s silence hurt; C-0002's mother called.",
            "Rows with [partner] (central): “[partner] shouted”",
            "Correction: [mother], not [sister].",
            "[mother]'s illness; C-0002 has passive thoughts.",
            "C-0002 idealises [mother].",
            "C-0002 ended therapy; [sister] supported her.",
            "Supervision of C-0002's case with [partner]'s consent",
            "Guilt when she refuses [partner].",
            "Agrees a rota with [partner].",
            "Chair work with [partner].",
            "09 Feb 2026 · Some progress: [partner]: c000",
        ):
            with self.subTest(expected):
                self.assertIn(expected, text)

    @needs_poppler
    def test_negative_control_the_same_summary_names_everyone(self):
        text = pdf_text(self.build(de_identified=False))
        self.assertEqual(self.names_in(text), NAMES)
        self.assertIn("03 Apr 1990", text)
        self.assertNotIn("De-identified", text)

    @needs_poppler
    def test_the_metadata_names_no_one(self):
        pdf = self.build(de_identified=True)
        values = [str(value) for value in metadata(pdf).values()] + list(info(pdf).values())
        self.assertEqual(self.names_in(" ".join(values)), [])
        self.assertEqual(metadata(pdf)["/Title"], "Case summary C-0002 (de-identified)")
        # Negative control: the reader sees the metadata at all.
        self.assertEqual(info(pdf)["Title"], "Case summary C-0002 (de-identified)")

    @needs_poppler
    def test_the_download_names_no_one_and_says_it_is_de_identified(self):
        self.sign_in(self.alice)
        url = reverse("case_summary", args=[self.named.pk])
        response = self.client.post(url, summary_form(de_identified="on", purpose="Lina"))
        disposition = response["Content-Disposition"]
        self.assertRegex(
            disposition, r'^attachment; filename="C-0002-summary-\d{4}-\d\d-\d\d-deidentified.pdf"$'
        )
        text = pdf_text(response.content)
        self.assertEqual(self.names_in(text + disposition), [])
        self.assertIn("Prepared for / purpose C-0002", text)
        control = self.client.post(url, summary_form(purpose="Lina"))
        self.assertIn("Lina", pdf_text(control.content))
        self.assertNotIn("deidentified", control["Content-Disposition"])

    @needs_poppler
    def test_the_command_line_de_identifies_too(self):
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "summary.pdf"
            call_command(
                "case_summary",
                "C-0002",
                therapist="alice",
                output=str(output),
                de_identified=True,
                risk_history="all",
                stdout=StringIO(),
            )
            text = pdf_text(output.read_bytes())
        self.assertEqual(self.names_in(text), [])
        self.assertIn("[mother]'s illness", text)

    def test_the_form_says_how_many_people_are_listed(self):
        self.sign_in(self.alice)
        page = self.client.get(reverse("case_summary", args=[self.named.pk]))
        self.assertContains(page, "Listed for C-0002: 3 people.")
        page = self.client.get(reverse("case_summary", args=[self.alice_client.pk]))
        self.assertContains(page, "Listed for C-0001: no one.")

    @needs_poppler
    def test_a_role_with_markup_prints_literally(self):
        self.named.other_names = [{"name": "Mortimer", "role": "<b>ex</b> & co"}]
        self.named.save()
        text = pdf_text(self.build(de_identified=True))
        self.assertIn("[<b>ex</b> & co]'s silence", text)
        self.assertNotIn("Mortimer", text)

    def test_every_listed_name_has_its_replacement(self):
        scrub = scrubber_for(self.named)
        self.assertEqual(
            scrub("Ottoline Brackenbury, Lina, Mortimer, Henrietta Brackenbury, Ysolde"),
            "C-0002, C-0002, [partner], [mother], [sister]",
        )
