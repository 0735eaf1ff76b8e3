"""Risk flags and their status: current, denied, historical, hypothetical (a condition or safety
plan), question and other person. Each scope has a negative control: with that one rule switched
off, the same sentence comes out current, so the test shows the rule is what decides.

suggest() needs no database: SimpleTestCases (which refuse database queries)."""

from unittest import mock

from django.test import SimpleTestCase

from themes.suggest import risk, scopes, suggest, tokens
from themes.suggest.scopes import history, negation


def statuses(text: str, kind: str | None = None) -> set[tuple[str, str]]:
    """(kind, status) of each flag of the text, or only of one kind."""
    return {(f.kind, f.status) for f in suggest(text).risk if kind in (None, f.kind)}


def current(text: str) -> set[str]:
    return {f.kind for f in suggest(text).risk if f.current}


class CurrentRiskTests(SimpleTestCase):
    """Mentions the issue lists as missed: each must raise a current flag."""

    CASES = {
        "Unless the court date goes her way she will end it.": "suicidal_thoughts",
        "If he leaves her she will kill herself.": "suicidal_thoughts",
        "Says she would rather not wake up.": "suicidal_thoughts",
        "Can't see a reason to keep going.": "suicidal_thoughts",
        "cant see the point in carrying on": "suicidal_thoughts",
        "Feels everyone would manage fine without her.": "suicidal_thoughts",
        "Swallowed a packet of pills last weekend.": "self_harm",
        "Took a handful of paracetamol three days ago.": "self_harm",
        "+si passive, no plan": "suicidal_thoughts",
        "si daily this week": "suicidal_thoughts",
        "sh x2 since last session": "self_harm",
        "Feels sucidal most evenings.": "suicidal_thoughts",
        "Talked about suiside again.": "suicidal_thoughts",
        "Has started scratching her arms again.": "self_harm",
        "Burning herself with a lighter when alone.": "self_harm",
        "Her mum found her cutting last night.": "self_harm",
        "Recently cut her thigh.": "self_harm",
        "Cut her forearm two weeks ago.": "self_harm",
        "Wouldn't mind not waking up, she says.": "suicidal_thoughts",
        "She should not be left alone as she is suicidal.": "suicidal_thoughts",
        "Pt endorses passive SI, denies plan or intent.": "suicidal_thoughts",
        "Has urges to hurt his brother.": "harm_to_others",
        "Denies SI, endorses HI towards her ex.": "harm_to_others",
        "Her husband threatened her, and she said she wants to kill him.": "harm_to_others",
    }

    def test_each_is_current(self):
        for text, kind in self.CASES.items():
            with self.subTest(text):
                self.assertIn(kind, current(text))

    def test_evidence_is_the_phrase_from_the_note(self):
        [flag] = [f for f in suggest("Unless the court date goes her way she will end it.").risk]
        self.assertEqual(flag.evidence, ["she will end it"])
        self.assertEqual(flag.heading, "Current risk")

    def test_a_current_mention_suggests_the_risk_theme(self):
        slugs = {t.slug for t in suggest("Cut her arm again last night.").themes}
        self.assertIn("self-harm", slugs)

    def test_an_urge_to_hurt_another_person_is_harm_to_others_not_self_harm(self):
        found = statuses("Strong urge to hurt the man who assaulted his brother.")
        self.assertIn(("harm_to_others", "current"), found)
        self.assertNotIn("self_harm", {kind for kind, _ in found})


class NoAlarmTests(SimpleTestCase):
    """Sentences that must raise no current flag at all (the issue's false alarms)."""

    CASES = [
        "That project took over my whole life.",
        "Dying to see her sister at Christmas.",
        "Killing time before the appointment.",
        "The deadline is killing her.",
        "Raised ending herself, then said she was anxious I might be glad.",
        "Talked about the ending of therapy.",
        "Cut down on coffee; cut her hours at work.",
        "Shot a short film with friends.",
        "Likes to hang out with her cousins.",
        "Said hi to the neighbour for the first time in months.",
        "Repeat PHQ-9 and GAD-7 next session.",
        "Scratching her head about the tax return.",
    ]

    def test_no_current_flag(self):
        for text in self.CASES:
            with self.subTest(text):
                self.assertEqual(current(text), set())


class DeniedTests(SimpleTestCase):
    CASES = [
        "Denies SI/HI.",
        "denies si/hi",
        "SI/HI: denied",
        "Screened for SI \u2014 nil.",
        "Not currently suicidal.",
        "No thoughts of self-harm.",
        "SI, HI, self-harm: denied.",
        "Passive thoughts of not waking up have not returned.",
        "no SI or HI",
    ]

    def test_each_is_a_denial_and_never_current(self):
        for text in self.CASES:
            with self.subTest(text):
                found = statuses(text)
                self.assertTrue(found)
                self.assertEqual({status for _, status in found}, {"denied"})

    def test_negative_control_without_the_negation_scope_it_is_current(self):
        with mock.patch.object(scopes, "negation_scopes", lambda note, consumed: [-1] * note.size):
            self.assertIn("suicidal_thoughts", current("Not currently suicidal."))
            self.assertIn("self_harm", current("No thoughts of self-harm."))

    def test_negative_control_without_the_negation_after_it_is_current(self):
        with mock.patch.object(scopes, "post_negation", lambda note, end, skip=(): -1):
            self.assertIn("suicidal_thoughts", current("SI/HI: denied"))

    def test_not_currently_is_kept_inside_the_negation(self):
        # The scope used to end at "currently": switch off the exception and it is current.
        original = negation.extend_scope

        def without_exception(note, t, governed, most=negation.MAX_SCOPE):
            if note.next_word(t) == "currently":
                return  # as if "currently" ended the scope at once
            original(note, t, governed, most)

        with mock.patch.object(negation, "extend_scope", without_exception):
            self.assertIn("suicidal_thoughts", current("Not currently suicidal."))
        self.assertEqual(current("Not currently suicidal."), set())

    def test_a_negation_ends_at_but(self):
        self.assertEqual(
            statuses("No self-harm but cut her wrist on Friday.", "self_harm"),
            {("self_harm", "denied"), ("self_harm", "current")},
        )


class HistoricalTests(SimpleTestCase):
    CASES = [
        "Overdose in her twenties, nothing since.",
        "Hx of cutting as a teenager.",
        "History of self-harm.",
        "Self-harm (cutting) at 16, none since.",
        "Cut her arm three years ago.",
        "In the first weeks after the birth had fleeting thoughts that they would be better off "
        "without her.",
    ]

    def test_each_is_historical(self):
        for text in self.CASES:
            with self.subTest(text):
                found = statuses(text)
                self.assertTrue(found)
                self.assertEqual({status for _, status in found}, {"historical"})

    def test_recent_ago_and_again_are_current(self):
        self.assertIn("self_harm", current("Cut her arm three days ago."))
        self.assertIn("self_harm", current("Cut her arm a couple of weeks ago."))
        self.assertIn("self_harm", current("History of cutting, and cut her arm again last night."))

    def test_negative_control_without_history_scopes_it_is_current(self):
        with (
            mock.patch.object(scopes, "history_scopes", lambda note: [-1] * note.size),
            mock.patch.object(scopes, "post_history", lambda note: set()),
        ):
            self.assertIn("self_harm", current("Hx of cutting as a teenager."))
            self.assertIn("self_harm", current("Cut her arm three years ago."))

    def test_negative_control_without_the_recent_rule_days_ago_is_history(self):
        with mock.patch.object(history, "_recent_ago", lambda note, ago: False):
            self.assertNotIn("self_harm", current("Cut her arm three days ago."))


class HypotheticalTests(SimpleTestCase):
    CASES = [
        "Will ring the out-of-hours line if the urge to hurt himself comes back.",
        "Knows to call the crisis team should suicidal thoughts return.",
        "Safety plan: call sister, remove blades, if urges to self-harm return go to A&E.",
        "Agreed to contact GP in case she feels suicidal again.",
    ]

    def test_each_is_hypothetical(self):
        for text in self.CASES:
            with self.subTest(text):
                found = statuses(text)
                self.assertTrue(found)
                self.assertEqual({status for _, status in found}, {"hypothetical"})

    def test_a_threat_in_the_main_clause_stays_current(self):
        self.assertIn("suicidal_thoughts", current("If he leaves she will kill herself."))

    def test_negative_control_without_condition_scopes_it_is_current(self):
        with mock.patch.object(scopes, "hypothetical_scopes", lambda note: [-1] * note.size):
            self.assertIn(
                "self_harm",
                current("Will ring the out-of-hours line if the urge to hurt himself comes back."),
            )


class QuestionTests(SimpleTestCase):
    def test_the_therapists_question_without_an_answer(self):
        self.assertEqual(statuses("Asked about SI."), {("suicidal_thoughts", "question")})
        self.assertEqual(
            statuses("Any thoughts of self-harm since we last met?"), {("self_harm", "question")}
        )

    def test_an_answer_makes_it_current(self):
        self.assertIn("suicidal_thoughts", current("Asked about SI, endorses passive SI."))
        self.assertIn("suicidal_thoughts", current("Screened for SI: positive."))

    def test_the_clients_own_question_is_not_the_therapists(self):
        self.assertIn(
            "suicidal_thoughts",
            current("'What is the point of living?' she asked."),
        )

    def test_negative_control_without_question_scopes_it_is_current(self):
        with mock.patch.object(scopes, "question_scopes", lambda note: [-1] * note.size):
            self.assertIn("suicidal_thoughts", current("Asked about SI."))


class OtherPersonTests(SimpleTestCase):
    CASES = [
        "Her brother attempted suicide last year.",
        "Her friend self-harms.",
        "His father's overdose when he was nine still haunts him.",
        "Her husband said he would kill her if she left.",
    ]

    def test_each_is_about_someone_else(self):
        for text in self.CASES:
            with self.subTest(text):
                found = statuses(text)
                self.assertTrue(found)
                self.assertNotIn("current", {status for _, status in found})
                self.assertIn("other_person", {status for _, status in found})

    def test_the_client_still_the_subject(self):
        self.assertIn("suicidal_thoughts", current("Told her mother she wants to die."))
        self.assertIn("suicidal_thoughts", current("Everyone would be better off without her."))

    def test_negative_control_without_the_other_person_rule_it_is_current(self):
        with mock.patch.object(scopes, "someone_else", lambda note, start, client: False):
            self.assertIn("suicidal_thoughts", current("Her brother attempted suicide last year."))

    def test_negative_control_the_clients_pronoun_decides_who_he_is(self):
        text = (
            "She told me her mood is low, her sleep poor and her son distant; "
            "he has been cutting his arms."
        )
        with mock.patch.object(
            scopes, "client_pronouns", lambda note: frozenset({"she", "he", "client"})
        ):
            self.assertIn("self_harm", current(text))
        self.assertEqual(statuses(text), {("self_harm", "other_person")})


class SpellingAndAbbreviationTests(SimpleTestCase):
    def test_misspellings_of_suicide_one_slip_away(self):
        for word in ("sucide", "suicde", "suiside", "suicidel", "sucidal", "suisidal", "siucide"):
            with self.subTest(word):
                self.assertIn("suicidal_thoughts", current(f"Talked about {word} today."))

    def test_words_two_slips_away_are_not_read_as_suicide(self):
        for word in ("subside", "subsided", "suitable", "succeed"):
            with self.subTest(word):
                self.assertEqual(current(f"Worry began to {word}."), set())

    def test_negative_control_without_the_fuzzy_rule_a_misspelling_is_missed(self):
        tokens.fold.cache_clear()
        tokens._word.cache_clear()
        try:
            with mock.patch.object(tokens, "_one_edit", lambda a, b: False):
                self.assertEqual(current("Talked about sucide today."), set())
        finally:
            tokens.fold.cache_clear()
            tokens._word.cache_clear()

    def test_lower_case_hi_needs_risk_context(self):
        self.assertEqual(
            statuses("si/hi denied"),
            {
                ("suicidal_thoughts", "denied"),
                ("harm_to_others", "denied"),
            },
        )
        self.assertIn("harm_to_others", current("+hi towards neighbour"))
        self.assertEqual(suggest("Said hi to her sister.").risk, [])

    def test_negative_control_without_the_context_rule_a_greeting_is_an_alarm(self):
        with mock.patch.object(risk, "_context_only_ok", lambda note, match, risky: True):
            self.assertIn("harm_to_others", current("Said hi to her sister."))


class DisplayTests(SimpleTestCase):
    def test_status_labels_and_headings(self):
        flag = suggest("Denies SI.").risk[0]
        self.assertEqual((flag.status_label, flag.heading), ("denied", "Risk assessed"))
        self.assertEqual(flag.label, "Suicidal thoughts")
        self.assertFalse(flag.current)

    def test_current_flags_come_first(self):
        result = suggest("Denies HI. Cut her arm last night.")
        self.assertEqual([f.status for f in result.risk], ["current", "denied"])

    def test_the_json_shape_carries_the_status(self):
        data = suggest("Denies SI.").as_dict()
        self.assertEqual(
            data["risk"],
            [
                {
                    "kind": "suicidal_thoughts",
                    "label": "Suicidal thoughts",
                    "status": "denied",
                    "evidence": ["Denies SI"],
                }
            ],
        )


class JokeAndUnwantedThoughtTests(SimpleTestCase):
    def test_a_joke_is_shown_as_a_joke_never_dropped(self):
        text = '"The heat was so bad I wanted to die," she said, laughing.'
        self.assertEqual(statuses(text), {("suicidal_thoughts", "joke")})
        self.assertEqual(suggest(text).risk[0].heading, "Said as a joke")

    def test_a_joke_covers_its_own_clause_only(self):
        text = "He said he was joking about killing himself, but he has bought a rope."
        self.assertIn(("suicidal_thoughts", "current"), statuses(text))
        self.assertIn(("suicidal_thoughts", "joke"), statuses(text))

    def test_a_denied_joke_is_no_joke(self):
        text = "Said she could 'happily strangle' her sister and did not appear to be joking."
        self.assertEqual(current(text), {"harm_to_others"})

    def test_negative_control_without_the_joke_rule_it_is_current(self):
        text = '"The heat was so bad I wanted to die," she said, laughing.'
        with mock.patch.object(scopes, "in_jest", lambda note, match: False):
            self.assertEqual(current(text), {"suicidal_thoughts"})

    def test_an_unwanted_harm_thought_is_a_denial_but_a_done_act_is_not(self):
        self.assertEqual(
            statuses("Intrusive images of stabbing her husband horrify her."),
            {("harm_to_others", "denied")},
        )
        done = "On Tuesday he pinned his son against the wall; he is horrified he might again."
        self.assertIn("harm_to_others", current(done))

    def test_negative_control_without_the_unwanted_rule_the_thought_is_current(self):
        with mock.patch.object(scopes, "unwanted", lambda note, match: False):
            self.assertIn(
                "harm_to_others", current("Intrusive images of stabbing her husband horrify her.")
            )

    def test_neg_after_a_colon_is_a_denial(self):
        self.assertEqual(
            statuses("SI: neg. HI: neg."),
            {("suicidal_thoughts", "denied"), ("harm_to_others", "denied")},
        )
