"""`manage.py suggest_themes`: note text on standard input, suggestions as JSON on standard
output, one readable line and a non-zero exit on empty or non-text input."""

import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import TestCase

from themes.models import Theme

ROOT = Path(__file__).resolve().parents[2]
NOTE = (
    "Her mother was cold and dismissive about the new baby. She works hard to please her "
    "partner and can't say no to him. Denies SI. Panicked twice this week; anxious at night."
)


def run(stdin) -> dict:
    out = io.StringIO()
    call_command("suggest_themes", stdin=stdin, stdout=out)
    return json.loads(out.getvalue())


class SuggestThemesCommandTests(TestCase):
    def test_prints_themes_and_risk_as_specified(self):
        result = run(io.BytesIO(NOTE.encode()))
        self.assertEqual(set(result), {"themes", "risk"})
        for item in result["themes"]:
            self.assertEqual(list(item), ["theme", "name", "category", "score", "evidence"])
            self.assertIsInstance(item["score"], float)
        by_slug = {item["theme"]: item for item in result["themes"]}
        self.assertEqual(
            by_slug["maternal-rejection"],
            {
                "theme": "maternal-rejection",
                "name": "Maternal rejection",
                "category": "attachment",
                "score": 0.5,
                "evidence": ["mother was cold and dismissive"],
            },
        )
        self.assertIn("works hard to please her partner", by_slug["people-pleasing"]["evidence"])
        self.assertEqual(
            result["risk"],
            [
                {
                    "kind": "suicidal_thoughts",
                    "label": "Suicidal thoughts",
                    "status": "denied",
                    "evidence": ["Denies SI"],
                }
            ],
        )

    def test_themes_are_ordered_by_score_then_name(self):
        themes = run(io.BytesIO(NOTE.encode()))["themes"]
        self.assertEqual(themes[0]["theme"], "anxiety")  # two strong cues: the highest score
        keys = [(-item["score"], item["name"]) for item in themes]
        self.assertEqual(keys, sorted(keys))

    def test_uses_the_theme_names_the_practice_has_set_and_skips_archived_themes(self):
        Theme.objects.filter(slug="people-pleasing").update(name="Pleasing others")
        Theme.objects.filter(slug="anxiety").update(active=False)
        themes = {item["theme"]: item["name"] for item in run(io.BytesIO(NOTE.encode()))["themes"]}
        self.assertEqual(themes["people-pleasing"], "Pleasing others")
        self.assertNotIn("anxiety", themes)

    def test_reads_sys_stdin_and_keeps_non_ascii_text_as_written(self):
        text = "Ｍother’s coldness — she felt “invisible” at home."  # noqa: RUF001
        stdin = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
        out = io.StringIO()
        with mock.patch("sys.stdin", stdin):
            call_command("suggest_themes", stdout=out)
        self.assertIn("Ｍother’s coldness", out.getvalue())  # noqa: RUF001 (not \\u-escaped)
        evidence = json.loads(out.getvalue())["themes"][0]["evidence"]
        self.assertEqual(evidence, ["Ｍother’s coldness"])  # noqa: RUF001

    def test_text_without_themes_prints_empty_lists(self):
        self.assertEqual(
            run(io.StringIO("Planned the next appointment.")), {"themes": [], "risk": []}
        )

    def test_empty_or_whitespace_input_is_refused(self):
        for data in (b"", b"  \n\t ", "\ufeff".encode()):
            with self.subTest(data=data), self.assertRaisesMessage(CommandError, "no note text"):
                run(io.BytesIO(data))

    def test_non_text_input_is_refused(self):
        for data in (b"\xff\xfe\x00binary", b"caf\xe9", b"text with a \x00 byte"):
            with self.subTest(data=data), self.assertRaisesMessage(CommandError, "not UTF-8 text"):
                run(io.BytesIO(data))


class SuggestThemesProcessTests(TestCase):
    """The real command line, in a fresh process against an empty database file: the
    suggestions fall back to the built-in taxonomy."""

    def manage(self, data: bytes) -> subprocess.CompletedProcess:
        workdir = tempfile.mkdtemp(prefix="suggest-themes-")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"sqlite:///{workdir}/empty.sqlite3",
            "TEST_DB_DIR": workdir,
        }
        return subprocess.run(
            [sys.executable, "manage.py", "suggest_themes"],
            input=data,
            capture_output=True,
            cwd=ROOT,
            env=env,
            timeout=60,
            check=False,
        )

    def test_prints_json_and_exits_zero(self):
        done = self.manage(b"Denies any substance use. Mum was dismissive.")
        self.assertEqual(done.returncode, 0, done.stderr)
        result = json.loads(done.stdout)
        self.assertEqual([item["theme"] for item in result["themes"]], ["maternal-rejection"])
        self.assertEqual(result["risk"], [])

    def test_empty_input_exits_non_zero_with_one_line(self):
        done = self.manage(b"   ")
        self.assertNotEqual(done.returncode, 0)
        self.assertEqual(done.stdout, b"")
        lines = done.stderr.decode().strip().splitlines()
        self.assertEqual(lines, ["CommandError: no note text on standard input"])
