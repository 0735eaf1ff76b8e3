"""The data files behind theme suggestions (themes/data/*.toml): their shape, the loader's
refusals with one readable line, cues that compile and reach every theme, no cue written under
two themes, and a broken file stopping start-up with one line."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from themes import lexicon
from themes.suggest import check, compile_pattern

ROOT = Path(__file__).resolve().parents[2]


class DataFileTests(SimpleTestCase):
    def test_the_shipped_files_load_and_every_cue_compiles(self):
        data = lexicon.load()
        check()
        self.assertGreaterEqual(len(data.themes), 60)
        self.assertEqual(set(data.risk), {"self_harm", "suicidal_thoughts", "harm_to_others"})
        for slug, entry in data.themes.items():
            for pattern, _ in entry.cues:
                with self.subTest(slug=slug, pattern=pattern):
                    self.assertTrue(compile_pattern(pattern, slug))

    def test_every_theme_is_reachable_by_a_cue(self):
        data = lexicon.load()
        risk_themes = {kind.theme for kind in data.risk.values()}
        for slug, entry in data.themes.items():
            with self.subTest(slug):
                self.assertTrue(entry.cues or slug in risk_themes)

    def test_every_theme_has_a_description_in_a_known_category(self):
        for slug, entry in lexicon.load().themes.items():
            with self.subTest(slug):
                self.assertIn(entry.category, lexicon.CATEGORIES)
                self.assertTrue(10 <= len(entry.description) <= 240)
                self.assertTrue(entry.description.endswith("."))

    def test_no_cue_is_written_under_two_themes(self):
        duplicates = lexicon.duplicate_cues()
        self.assertEqual(duplicates, [], "\n".join(f"{p!r}: {a}, {b}" for p, a, b in duplicates))

    def test_duplicates_are_reported_negative_control(self):
        data = lexicon.load()
        first, second = list(data.themes.values())[:2]
        twice = lexicon.Lexicon(
            {
                first.slug: first,
                second.slug: lexicon.ThemeEntry(
                    second.slug, second.name, second.category, second.description,
                    second.client_state, (*second.cues, first.cues[0]),
                ),
            },
            data.risk,
            data.words,
        )  # fmt: skip
        self.assertEqual(
            lexicon.duplicate_cues(twice), [(first.cues[0][0], first.slug, second.slug)]
        )


class LoaderRefusalTests(SimpleTestCase):
    """Each broken copy of the data files is refused with one line naming the file and entry."""

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir)
        for name in ("themes.toml", "words.toml", "risk.toml"):
            shutil.copy(lexicon.DATA_DIR / name, self.dir / name)

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.dir / name
        text = path.read_text(encoding="utf-8")
        self.assertIn(old, text)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def refused(self) -> str:
        with self.assertRaises(lexicon.LexiconError) as caught:
            lexicon.load(self.dir)
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        return message

    def test_an_unchanged_copy_loads(self):
        self.assertEqual(len(lexicon.load(self.dir).themes), len(lexicon.load().themes))

    def test_invalid_toml(self):
        self.edit("themes.toml", "[maternal-rejection]", "[maternal-rejection")
        self.assertIn("themes.toml: not valid TOML", self.refused())

    def test_unknown_category(self):
        self.edit("themes.toml", 'category = "attachment"', 'category = "attachmnet"')
        self.assertIn("themes.toml [maternal-rejection]: category must be one of", self.refused())

    def test_unknown_key(self):
        self.edit("themes.toml", 'category = "attachment"', 'category = "attachment"\nstrnog = []')
        self.assertIn("unknown key(s) ['strnog']", self.refused())

    def test_cues_must_be_strings(self):
        self.edit("themes.toml", "strong = [", "strong = [1, ")
        self.assertIn(
            "[maternal-rejection] strong must be a list of non-empty strings", self.refused()
        )

    def test_unknown_fragment(self):
        self.edit("themes.toml", "{MOTHER} ~3 {REJECTING}", "{MOTHR} ~3 {REJECTING}")
        self.assertIn("unknown fragment {MOTHR}", self.refused())

    def test_missing_word_list(self):
        self.edit("words.toml", "negation = [", "negatoin = [")
        self.assertIn("words.toml: [lists] lacks negation", self.refused())

    def test_risk_kind_pointing_at_a_missing_theme(self):
        self.edit("risk.toml", 'theme = "self-harm"', 'theme = "self-harms"')
        self.assertIn(
            "risk.toml [self_harm]: theme 'self-harms' is not in themes.toml", self.refused()
        )

    def test_a_theme_no_cue_reaches(self):
        self.edit("risk.toml", 'theme = "self-harm"', 'theme = "suicidal-thoughts"')
        self.assertIn("no cue reaches self-harm", self.refused())

    def test_missing_file(self):
        (self.dir / "risk.toml").unlink()
        self.assertIn("risk.toml: file missing", self.refused())


class StartUpTests(SimpleTestCase):
    def run_check(self, data_dir: Path) -> subprocess.CompletedProcess:
        script = (
            "import sys, runpy; from pathlib import Path; import themes.lexicon as lexicon; "
            "lexicon.DATA_DIR = Path(sys.argv[1]); sys.argv = ['manage.py', 'check']; "
            "runpy.run_path('manage.py', run_name='__main__')"
        )
        return subprocess.run(
            [sys.executable, "-c", script, str(data_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
            check=False,
        )

    def test_a_broken_cue_stops_start_up_with_one_line(self):
        broken = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, broken)
        for name in ("themes.toml", "words.toml", "risk.toml"):
            shutil.copy(lexicon.DATA_DIR / name, broken / name)
        path = broken / "risk.toml"
        path.write_text(path.read_text().replace('"suicid*",', '"suicid* ~2",', 1))
        result = self.run_check(broken)
        self.assertEqual(result.returncode, 2, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("risk.toml [suicidal_thoughts]", lines[0])
        self.assertIn("must start and end with a required word", lines[0])
        self.assertNotIn("Traceback", result.stderr)

    def test_negative_control_the_shipped_files_start(self):
        result = self.run_check(lexicon.DATA_DIR)
        self.assertEqual(result.returncode, 0, result.stderr)
