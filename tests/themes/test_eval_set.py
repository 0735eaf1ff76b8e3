"""The hand-labelled evaluation sets behind bench/bench_theme_suggestions.py: well formed, and
big enough in every risk status and theme for the bench figures to mean something. Each check
has a negative control showing that it catches the fault it is there for."""

import json
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from bench.bench_theme_suggestions import (
    OLD_NOTES,
    SENTENCES,
    STATUSES,
    built_in_categories,
    check_files,
    eval_counts,
    shortfalls,
)

SLUGS = set(built_in_categories())
GOOD_ROW = {
    "id": "x0001",
    "split": "test",
    "style": "terse",
    "text": "denies SI, cut her arm on Sunday",
    "themes": ["self-harm"],
    "not_themes": ["suicidal-thoughts"],
    "risk": {"suicidal_thoughts": "denied", "self_harm": "current"},
}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class EvalSetShapeTests(SimpleTestCase):
    def test_both_files_pass_the_split_check(self):
        self.assertIsNone(check_files(SLUGS))

    def check_one(self, **changes) -> str | None:
        """check_files on a one-row sentence file (with the real notes file beside it)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "sentences.jsonl"
            path.write_text(json.dumps(GOOD_ROW | changes) + "\n", encoding="utf-8")
            return check_files(SLUGS, sentences=path, notes=OLD_NOTES)

    def test_a_well_formed_row_passes(self):
        self.assertIsNone(self.check_one())

    def test_an_unknown_theme_is_reported(self):
        problem = self.check_one(themes=["self-harm", "not-a-theme"])
        self.assertIn("unknown theme 'not-a-theme'", problem)
        self.assertTrue(problem.startswith("sentences.jsonl:1:"))

    def test_an_unknown_split_status_or_kind_is_reported(self):
        self.assertIn("split", self.check_one(split="dev"))
        self.assertIn(
            "unknown risk status 'past'",
            self.check_one(risk={"suicidal_thoughts": "past", "self_harm": "current"}),
        )
        self.assertIn(
            "unknown risk kind 'self-harm'",
            self.check_one(risk={"self-harm": "current"}),
        )

    def test_an_id_shared_with_the_notes_file_is_reported(self):
        taken = read(OLD_NOTES)[0]["id"]
        self.assertIn(f"id {taken} used twice", self.check_one(id=taken))

    def test_a_current_risk_without_its_theme_is_reported(self):
        problem = self.check_one(themes=[])
        self.assertIn("self_harm is current but self-harm disagrees", problem)

    def test_a_theme_both_wanted_and_unwanted_is_reported(self):
        problem = self.check_one(not_themes=["self-harm", "suicidal-thoughts"])
        self.assertIn("self-harm in both themes and not_themes", problem)


class EvalSetSizeTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = read(SENTENCES)

    def test_the_sentence_set_meets_every_minimum(self):
        self.assertEqual(shortfalls(self.rows, SLUGS), [])

    def test_every_status_is_in_the_test_split(self):
        counts = eval_counts(self.rows)
        for status in STATUSES:
            with self.subTest(status):
                self.assertGreaterEqual(counts["status_test"][status], 9)

    def test_about_a_third_is_held_out(self):
        share = sum(row["split"] == "test" for row in self.rows) / len(self.rows)
        self.assertAlmostEqual(share, 0.35, delta=0.03)

    def test_a_smaller_set_falls_short(self):
        train_only = [row for row in self.rows if row["split"] == "train"]
        missing = shortfalls(train_only, SLUGS)
        self.assertIn("current pairs in test: 0 < 35", missing)
        self.assertTrue(any(line.startswith("rows: ") for line in missing))
