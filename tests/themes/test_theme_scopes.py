"""What does not count for a theme (issue 12): measure names, headings, the plan, someone
else's reported words, phrases that only look negative, and "getting past" that is not history.
Each rule has a negative control: with it switched off, the theme comes back."""

from unittest import mock

from django.test import SimpleTestCase

from themes.suggest import scopes, suggest
from themes.suggest.scopes import regions


def slugs(text: str, plan: str = "") -> set[str]:
    return {theme.slug for theme in suggest(text, plan=plan).themes}


class MeasureNameTests(SimpleTestCase):
    TEXT = "Repeat PHQ-9 and GAD-7; generalised anxiety disorder 7 scale and Y-BOCS next time."

    def test_measure_names_suggest_nothing(self):
        self.assertEqual(slugs(self.TEXT), set())

    def test_negative_control_without_masking_a_measure_name_is_a_cue(self):
        with mock.patch.object(scopes, "mask_regions", lambda note: None):
            self.assertIn("anxiety", slugs(self.TEXT))


class HeadingAndPlanTests(SimpleTestCase):
    def test_a_heading_is_not_evidence_of_its_theme(self):
        self.assertEqual(slugs("Sleep: fine.\nAnxiety: none reported today."), set())

    def test_negative_control_without_headings_the_heading_counts(self):
        with mock.patch.object(scopes, "headings", lambda note: [False] * note.size):
            self.assertIn("sleep", slugs("Insomnia: 7 hours, better."))

    def test_the_plan_field_and_a_plan_section_give_no_themes(self):
        self.assertEqual(slugs("", plan="Continue the grief work; sleep diary."), set())
        self.assertEqual(slugs("Plan: continue the grief work; sleep diary."), set())

    def test_the_plan_is_still_read_for_risk(self):
        result = suggest("", plan="Will call the crisis line if suicidal thoughts return.")
        self.assertEqual(
            [(f.kind, f.status) for f in result.risk], [("suicidal_thoughts", "hypothetical")]
        )

    def test_negative_control_without_the_plan_region_the_plan_counts(self):
        def nothing(note, plan_from, heading=None):
            return [False] * note.size

        with mock.patch.object(scopes, "plan_region", nothing):
            self.assertIn("grief-and-loss", slugs("", plan="Continue the grief work."))


class ReportedSpeechTests(SimpleTestCase):
    def test_someone_elses_words_are_not_the_clients_worthlessness(self):
        self.assertNotIn("worthlessness", slugs("Her husband calls her worthless."))
        self.assertIn("worthlessness", slugs("She feels worthless."))

    def test_negative_control_without_the_rule_the_words_count(self):
        with mock.patch.object(scopes, "reported_speech", lambda note, start, client: False):
            self.assertIn("worthlessness", slugs("Her husband calls her worthless."))


class LooksNegativeTests(SimpleTestCase):
    def test_phrases_that_only_look_negative_keep_their_theme(self):
        self.assertIn("anger", slugs("Doesn't know how to handle her anger."))
        self.assertIn("low-mood", slugs("Can't stop crying since the funeral."))

    def test_getting_past_the_depression_is_current_not_history(self):
        self.assertIn("low-mood", slugs("Getting past the depression has taken a year."))
        self.assertNotIn("low-mood", slugs("Depression in the past; none now."))

    def test_negative_control_without_pseudo_negations_the_theme_is_negated(self):
        from themes import lexicon

        pairs = lexicon.words().pairs
        with mock.patch.dict(pairs, {"pseudo_negations": frozenset()}):
            self.assertNotIn("anger", slugs("Doesn't know how to handle her anger."))

    def test_measure_matcher_is_compiled_from_words_toml(self):
        self.assertTrue(regions._phrases("measures").cues)
