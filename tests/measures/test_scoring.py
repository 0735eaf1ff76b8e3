"""Scoring each measure as its publishers say: totals, every band boundary, the cut-off, CORE-10's
reverse-scored items, prorating (the allowed number of missing items, and one more), and the
risk items (PHQ-9 item 9, CORE-10 item 6)."""

from django.test import SimpleTestCase

from measures import catalogue
from measures.scoring import answers_for_total, score, validate_answers

PHQ9 = catalogue.get_measure("phq9")
GAD7 = catalogue.get_measure("gad7")
PCL5 = catalogue.get_measure("pcl5")
CORE10 = catalogue.get_measure("core10")


def without(answers: dict, *numbers: int) -> dict:
    return {number: (None if number in numbers else value) for number, value in answers.items()}


class TotalsTests(SimpleTestCase):
    def test_phq9_sums_its_nine_items(self):
        # "Several days" on 1-3, "More than half the days" on 4-6, "Nearly every day" on 7-8,
        # "Not at all" on 9: 3 + 6 + 6 = 15, moderately severe.
        answers = {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 3, 8: 3, 9: 0}
        result = score(PHQ9, answers)
        self.assertEqual(result.total, 15.0)
        self.assertEqual(result.status, "complete")
        self.assertEqual(result.answered, 9)
        self.assertEqual(result.band.label, "Moderately severe")
        self.assertTrue(result.above_cutoff)

    def test_the_extremes_of_each_measure(self):
        for measure in (PHQ9, GAD7, PCL5):
            lowest = {item.number: measure.min_option for item in measure.items}
            highest = {item.number: measure.max_option for item in measure.items}
            with self.subTest(measure.slug):
                self.assertEqual(score(measure, lowest).total, 0)
                self.assertEqual(score(measure, highest).total, measure.max_score)

    def test_gad7_and_pcl5_totals(self):
        self.assertEqual(score(GAD7, {1: 3, 2: 2, 3: 2, 4: 1, 5: 0, 6: 1, 7: 2}).total, 11)
        answers = {number: 2 for number in range(1, 21)}
        result = score(PCL5, answers)
        self.assertEqual(result.total, 40)
        self.assertEqual(result.band.label, "At or above cut-off")


class BandBoundaryTests(SimpleTestCase):
    def test_every_boundary_of_every_measure(self):
        for measure in catalogue.all_measures().values():
            for band in measure.bands:
                for total in (band.low, band.high):
                    answers = answers_for_total(measure, total)
                    with self.subTest(measure=measure.slug, total=total):
                        self.assertEqual(score(measure, answers).band, band)

    def test_published_band_limits(self):
        limits = {
            "phq9": [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)],
            "gad7": [(0, 4), (5, 9), (10, 14), (15, 21)],
            "core10": [(0, 5), (6, 10), (11, 14), (15, 19), (20, 24), (25, 40)],
            "pcl5": [(0, 32), (33, 80)],
        }
        for slug, expected in limits.items():
            bands = catalogue.get_measure(slug).bands
            self.assertEqual([(band.low, band.high) for band in bands], expected, slug)

    def test_the_cut_off_is_at_or_above(self):
        for measure in catalogue.all_measures().values():
            cutoff = int(measure.cutoff)
            below = score(measure, answers_for_total(measure, cutoff - 1))
            at = score(measure, answers_for_total(measure, cutoff))
            with self.subTest(measure.slug):
                self.assertIs(below.above_cutoff, False)
                self.assertIs(at.above_cutoff, True)

    def test_a_prorated_total_between_two_bands_takes_the_lower(self):
        self.assertEqual(CORE10.band_for(10.4).label, "Low level")
        self.assertEqual(CORE10.band_for(11.0).label, "Mild")
        self.assertIsNone(CORE10.band_for(None))


class ReverseItemTests(SimpleTestCase):
    def test_core10_items_2_and_3_are_scored_in_reverse(self):
        # "Not at all" to everything: 0 on the eight problem items, 4 on the two reversed ones.
        lowest = {number: 0 for number in range(1, 11)}
        self.assertEqual(score(CORE10, lowest).total, 8)
        highest = {number: 4 for number in range(1, 11)}
        self.assertEqual(score(CORE10, highest).total, 32)

    def test_someone_to_turn_to_most_of_the_time_adds_nothing(self):
        base = {number: 0 for number in range(1, 11)}
        base[3] = 4  # able to cope most or all of the time: 0 points
        self.assertEqual(score(CORE10, {**base, 2: 4}).total, 0)
        self.assertEqual(score(CORE10, {**base, 2: 0}).total, 4)
        # Negative control: an item that is not reversed counts as answered.
        self.assertEqual(score(CORE10, {**base, 2: 4, 1: 4}).total, 4)


class ProratingTests(SimpleTestCase):
    def test_phq9_prorates_up_to_two_missing_items(self):
        answers = {number: 2 for number in range(1, 10)}
        one = score(PHQ9, without(answers, 1))
        two = score(PHQ9, without(answers, 1, 2))
        three = score(PHQ9, without(answers, 1, 2, 3))
        self.assertEqual((one.total, one.status, one.answered), (18.0, "prorated", 8))
        self.assertEqual((two.total, two.status, two.answered), (18.0, "prorated", 7))
        self.assertEqual((three.total, three.status, three.band), (None, "incomplete", None))
        self.assertIsNone(three.above_cutoff)

    def test_prorated_totals_are_rounded_half_up_to_whole_numbers(self):
        # 4 points on 8 items: 4 x 9 / 8 = 4.5, rounded up to 5 (not to the even 4).
        answers = {1: 1, 2: 1, 3: 1, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0, 9: None}
        self.assertEqual(score(PHQ9, answers).total, 5.0)
        # 5 points on 8 items: 5.625, rounded to 6.
        self.assertEqual(score(PHQ9, {**answers, 5: 1}).total, 6.0)

    def test_gad7_prorates_up_to_two_missing_items(self):
        answers = {number: 1 for number in range(1, 8)}
        self.assertEqual(score(GAD7, without(answers, 7, 6)).total, 7.0)
        self.assertEqual(score(GAD7, without(answers, 7, 6, 5)).status, "incomplete")

    def test_core10_prorates_one_missing_item_to_one_decimal(self):
        answers = {1: 1, 2: 4, 3: 4, 4: 1, 5: 1, 6: 0, 7: 1, 8: 1, 9: 1, 10: None}
        one = score(CORE10, answers)
        self.assertEqual((one.total, one.status), (6.7, "prorated"))  # 6 x 10 / 9
        self.assertEqual(score(CORE10, {**answers, 9: None}).status, "incomplete")

    def test_pcl5_is_incomplete_with_any_item_missing(self):
        answers = {number: 1 for number in range(1, 21)}
        self.assertEqual(score(PCL5, answers).status, "complete")
        missing = score(PCL5, without(answers, 20))
        self.assertEqual(
            (missing.total, missing.status, missing.answered), (None, "incomplete", 19)
        )

    def test_nothing_answered_is_incomplete(self):
        result = score(PHQ9, {})
        self.assertEqual((result.total, result.status, result.answered), (None, "incomplete", 0))


class RiskItemTests(SimpleTestCase):
    def test_phq9_item_9_above_0_is_a_risk_item(self):
        answers = answers_for_total(PHQ9, 6, risk=1)
        self.assertEqual(score(PHQ9, answers).risk_items, (PHQ9.item(9),))

    def test_phq9_item_9_at_0_is_none(self):
        answers = answers_for_total(PHQ9, 6, risk=0)
        self.assertEqual(score(PHQ9, answers).risk_items, ())
        self.assertEqual(score(PHQ9, without(answers, 9)).risk_items, ())

    def test_a_risk_answer_counts_on_an_incomplete_form(self):
        result = score(PHQ9, {9: 2})
        self.assertEqual(result.status, "incomplete")
        self.assertEqual(result.risk_items, (PHQ9.item(9),))

    def test_core10_item_6(self):
        answers = answers_for_total(CORE10, 12, risk=1)
        self.assertEqual(score(CORE10, answers).risk_items, (CORE10.item(6),))
        self.assertEqual(score(CORE10, {**answers, 6: 0}).risk_items, ())

    def test_measures_without_a_risk_item_report_none(self):
        highest = {number: 3 for number in range(1, 8)}
        self.assertEqual(score(GAD7, highest).risk_items, ())


class ValidationTests(SimpleTestCase):
    def test_an_unknown_item_names_it(self):
        with self.assertRaisesMessage(ValueError, "Item 10: PHQ-9 has no such item."):
            validate_answers(PHQ9, {10: 1})

    def test_an_answer_out_of_range_names_the_item(self):
        for bad in (4, -1, "2", 1.5, True):
            with self.subTest(bad), self.assertRaisesMessage(ValueError, "Item 3: "):
                score(PHQ9, {3: bad})

    def test_item_numbers_may_be_text_as_stored_in_json(self):
        self.assertEqual(validate_answers(GAD7, {"1": 2, "2": None})[1], 2)
        with self.assertRaisesMessage(ValueError, "Item x: "):
            validate_answers(GAD7, {"x": 1})

    def test_every_item_is_returned_in_order(self):
        self.assertEqual(list(validate_answers(GAD7, {7: 1, 1: 0})), list(range(1, 8)))
