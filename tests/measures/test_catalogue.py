"""The questionnaire files: the four built-in ones as published, a practice's own file offered
after them, and every kind of bad file stopping start-up with one line naming file and problem."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings

from measures import catalogue
from measures.catalogue import MeasureFileError, load

from .helpers import GOOD_EXTRA, write_measure


class BuiltInMeasuresTests(SimpleTestCase):
    def test_the_four_built_in_measures_come_in_their_order(self):
        self.assertEqual(list(catalogue.all_measures()), ["phq9", "gad7", "pcl5", "core10"])

    def test_each_has_the_published_shape(self):
        shapes = {
            "phq9": (9, 27, 10, ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"]),
            "gad7": (7, 21, 10, ["Minimal", "Mild", "Moderate", "Severe"]),
            "pcl5": (20, 80, 33, ["Below cut-off", "At or above cut-off"]),
            "core10": (
                10,
                40,
                11,
                ["Healthy", "Low level", "Mild", "Moderate", "Moderate-to-severe", "Severe"],
            ),
        }
        for slug, (items, max_score, cutoff, bands) in shapes.items():
            measure = catalogue.get_measure(slug)
            with self.subTest(slug):
                self.assertEqual(len(measure.items), items)
                self.assertEqual(measure.max_score, max_score)
                self.assertEqual(measure.cutoff, cutoff)
                self.assertEqual([band.label for band in measure.bands], bands)
                self.assertEqual([band.level for band in measure.bands], list(range(len(bands))))
                self.assertTrue(measure.licence and measure.copyright and measure.source)

    def test_published_wording_of_the_items_that_carry_risk(self):
        phq9 = catalogue.get_measure("phq9")
        core10 = catalogue.get_measure("core10")
        self.assertEqual(
            phq9.item(9).text,
            "Thoughts that you would be better off dead, or of hurting yourself in some way",
        )
        self.assertEqual(phq9.item(9).risk, "suicidal_thoughts")
        self.assertEqual(core10.item(6).text, "I made plans to end my life")
        self.assertEqual(core10.item(6).risk, "suicidal_thoughts")
        # No other item is a risk item (a negative control for the flag).
        self.assertEqual([item.number for item in phq9.risk_items], [9])
        self.assertEqual([item.number for item in core10.risk_items], [6])
        self.assertEqual(catalogue.get_measure("gad7").risk_items, ())

    def test_core10_reverses_its_two_positively_worded_items_and_shows_its_copyright(self):
        core10 = catalogue.get_measure("core10")
        self.assertEqual([item.number for item in core10.items if item.reverse], [2, 3])
        self.assertEqual(
            core10.copyright,
            "© CORE System Trust: https://www.coresystemtrust.org.uk/copyright.pdf",
        )
        self.assertIn("CC BY-NC-ND 4.0", core10.licence)

    def test_the_stems_give_their_time_frames(self):
        self.assertIn("last 2 weeks", catalogue.get_measure("phq9").instructions)
        self.assertIn("last 2 weeks", catalogue.get_measure("gad7").instructions)
        self.assertIn("past month", catalogue.get_measure("pcl5").instructions)
        self.assertIn("OVER THE LAST WEEK", catalogue.get_measure("core10").instructions)

    def test_no_licensed_measure_is_shipped(self):
        # ORS/SRS need a paid licence for electronic use and BDI-II is commercial: the data
        # directory holds the four free measures and nothing else.
        files = sorted(path.name for path in catalogue.DATA_DIR.iterdir())
        self.assertEqual(files, ["core10.toml", "gad7.toml", "pcl5.toml", "phq9.toml"])
        names = " ".join(m.name.lower() for m in catalogue.all_measures().values())
        for licensed in ("outcome rating", "session rating", "beck"):
            self.assertNotIn(licensed, names)

    def test_an_unknown_slug_is_a_key_error(self):
        with self.assertRaises(KeyError):
            catalogue.get_measure("bdi2")


class ExtraMeasureTests(SimpleTestCase):
    def setUp(self):
        self.directory = Path(self.enterContext(tempfile.TemporaryDirectory()))

    def test_a_good_file_of_the_practice_is_offered_after_the_built_in_ones(self):
        write_measure(self.directory)
        with override_settings(MEASURES_EXTRA_DIR=str(self.directory)):
            offered = catalogue.all_measures()
            extra = catalogue.get_measure("wellbeing3")
        self.assertEqual(list(offered), ["phq9", "gad7", "pcl5", "core10", "wellbeing3"])
        self.assertEqual(extra.short_name, "PWC-3")
        self.assertFalse(extra.built_in)
        self.assertEqual(extra.prorate_max_missing, 1)
        # Negative control: without the setting the file is not offered.
        self.assertNotIn("wellbeing3", catalogue.all_measures())

    def test_several_extra_files_come_by_file_name(self):
        write_measure(self.directory, GOOD_EXTRA.replace("wellbeing3", "zeta"), "b.toml")
        write_measure(self.directory, GOOD_EXTRA.replace("wellbeing3", "alpha"), "c.toml")
        write_measure(self.directory, GOOD_EXTRA.replace("wellbeing3", "mid"), "a.toml")
        found = load([catalogue.DATA_DIR, self.directory])
        self.assertEqual(list(found)[4:], ["mid", "zeta", "alpha"])


# Each kind of bad file, as the text it is made from and the problem its one line names.
BAD_FILES = {
    "missing key": (
        GOOD_EXTRA.replace('name = "Practice Wellbeing Check"\n', ""),
        "missing key 'name'.",
    ),
    "missing table key": (
        GOOD_EXTRA.replace("sd = 2.0\n", ""),
        "missing key 'reliable_change.sd'.",
    ),
    "wrong type": (
        GOOD_EXTRA.replace("max_score = 6", 'max_score = "six"'),
        "'scoring.max_score' must be a whole number, not text.",
    ),
    "wrong type of an item": (
        GOOD_EXTRA.replace('text = "I felt low"', "text = 2"),
        "'items[1].text' must be text, not a number.",
    ),
    "unknown key": (
        'colour = "teal"\n' + GOOD_EXTRA,
        "unknown key 'colour'.",
    ),
    "duplicate item number": (
        GOOD_EXTRA.replace("number = 3", "number = 2"),
        "item 2 appears twice.",
    ),
    "items out of sequence": (
        GOOD_EXTRA.replace("number = 3", "number = 4"),
        "items must be numbered 1 to 3, in order.",
    ),
    "bands with a gap": (
        GOOD_EXTRA.replace("low = 3", "low = 4"),
        "bands leave a gap between 2 and 4.",
    ),
    "bands overlapping": (
        GOOD_EXTRA.replace("low = 3", "low = 2"),
        "bands overlap: bands[1] starts at 2, at or below 2.",
    ),
    "bands not reaching the maximum": (
        GOOD_EXTRA.replace("high = 6", "high = 5"),
        "the last band ends at 5, not at the highest score, 6.",
    ),
    "bands not starting at the minimum": (
        GOOD_EXTRA.replace("low = 0", "low = 1"),
        "the first band must start at the lowest score, 0.",
    ),
    "option values out of order": (
        GOOD_EXTRA.replace("value = 1", "value = 3").replace("value = 2", "value = 1"),
        "options must be in increasing order of value (1 comes after 3).",
    ),
    "maximum that the items cannot reach": (
        GOOD_EXTRA.replace("max_score = 6", "max_score = 9"),
        "scoring.max_score is 9, but 3 items answered 0-2 add up to 6.",
    ),
    "unknown risk kind": (
        GOOD_EXTRA.replace('text = "I felt low"', 'text = "I felt low"\nrisk = "mood"'),
        "items[1].risk must be one of suicidal_thoughts, not 'mood'.",
    ),
    "reliability out of range": (
        GOOD_EXTRA.replace("reliability = 0.8", "reliability = 1.2"),
        "reliable_change.reliability must be between 0 and 1.",
    ),
    "unparsable TOML": (
        GOOD_EXTRA.replace('slug = "wellbeing3"', "slug = "),
        "not valid TOML (",
    ),
}


class BadFileTests(SimpleTestCase):
    def setUp(self):
        self.directory = Path(self.enterContext(tempfile.TemporaryDirectory()))

    def test_each_kind_of_bad_file_gives_one_line_naming_the_file_and_the_problem(self):
        for kind, (text, problem) in BAD_FILES.items():
            path = write_measure(self.directory, text, "bad.toml")
            with self.subTest(kind), self.assertRaises(MeasureFileError) as raised:
                load([self.directory])
            message = str(raised.exception)
            self.assertTrue(message.startswith(f"{path}: "), message)
            self.assertIn(problem, message)
            self.assertNotIn("\n", message)
            path.unlink()

    def test_the_good_file_loads(self):
        # Negative control for the bad files above: the text they are made from is valid.
        write_measure(self.directory)
        self.assertEqual(list(load([self.directory])), ["wellbeing3"])

    def test_a_slug_clashing_with_a_built_in_file_names_both(self):
        path = write_measure(self.directory, GOOD_EXTRA.replace("wellbeing3", "phq9"))
        with self.assertRaises(MeasureFileError) as raised:
            load([catalogue.DATA_DIR, self.directory])
        self.assertEqual(
            str(raised.exception),
            f"{path}: slug 'phq9' is already used by {catalogue.DATA_DIR / 'phq9.toml'}.",
        )

    def test_a_slug_clash_between_two_extra_files(self):
        write_measure(self.directory, GOOD_EXTRA, "a.toml")
        second = write_measure(self.directory, GOOD_EXTRA, "b.toml")
        with self.assertRaisesMessage(MeasureFileError, f"{second}: slug 'wellbeing3'"):
            load([self.directory])

    def test_a_missing_directory_is_named(self):
        missing = self.directory / "nowhere"
        with self.assertRaisesMessage(MeasureFileError, f"{missing}: not a directory"):
            load([missing])

    def test_start_up_refuses_a_bad_file_as_a_configuration_error(self):
        write_measure(self.directory, BAD_FILES["duplicate item number"][0])
        config = apps.get_app_config("measures")
        with (
            override_settings(MEASURES_EXTRA_DIR=str(self.directory)),
            self.assertRaises(ImproperlyConfigured) as raised,
        ):
            config.ready()
        self.assertIn("item 2 appears twice.", str(raised.exception))
        # The catalogue is usable again once the setting is back.
        self.assertIn("phq9", catalogue.all_measures())


class ManageCheckTests(SimpleTestCase):
    def run_check(self, extra_dir: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
        env["MEASURES_EXTRA_DIR"] = extra_dir
        return subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_manage_check_prints_the_one_line(self):
        with tempfile.TemporaryDirectory() as directory:
            path = write_measure(Path(directory), BAD_FILES["bands with a gap"][0])
            bad = self.run_check(directory)
            write_measure(Path(directory))
            good = self.run_check(directory)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertEqual(
            bad.stderr, f"Configuration error: {path}: bands leave a gap between 2 and 4.\n"
        )
        # Negative control: with the file fixed, the check passes.
        self.assertEqual(good.returncode, 0, good.stderr)
