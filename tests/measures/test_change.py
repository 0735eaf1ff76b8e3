"""Reliable change (Jacobson & Truax) with each measure's published reliability and reference
SD, agreeing with the field's published thresholds, and clinically significant change."""

import math

from django.test import SimpleTestCase

from measures import catalogue
from measures.change import clinically_significant, reliable_change

PHQ9 = catalogue.get_measure("phq9")
GAD7 = catalogue.get_measure("gad7")
PCL5 = catalogue.get_measure("pcl5")
CORE10 = catalogue.get_measure("core10")


class ThresholdTests(SimpleTestCase):
    def test_the_index_is_z_times_sd_times_root_two_one_minus_r(self):
        self.assertAlmostEqual(PHQ9.rci_threshold, 1.96 * 5.5 * math.sqrt(2 * (1 - 0.89)))
        self.assertAlmostEqual(GAD7.rci_threshold, 1.96 * 4.5 * math.sqrt(2 * (1 - 0.92)))
        self.assertAlmostEqual(PCL5.rci_threshold, 1.96 * 12.4 * math.sqrt(2 * (1 - 0.94)))
        # CORE-10's 6 points were published at 90% confidence (z = 1.645).
        self.assertAlmostEqual(CORE10.rci_threshold, 1.645 * 7.7 * math.sqrt(2 * (1 - 0.90)))

    def test_the_published_point_thresholds_are_reliable_and_one_point_less_is_not(self):
        # IAPT: PHQ-9 6 points, GAD-7 4 points; Barkham et al. 2013: CORE-10 6 points.
        for measure, points in ((PHQ9, 6), (GAD7, 4), (CORE10, 6)):
            start = measure.max_score - 2
            with self.subTest(measure.slug):
                self.assertEqual(measure.published_change, points)
                self.assertEqual(reliable_change(measure, start, start - points), "improved")
                self.assertIsNone(reliable_change(measure, start, start - points + 1))
                self.assertEqual(reliable_change(measure, 2, 2 + points), "worsened")
                self.assertIsNone(reliable_change(measure, 2, 2 + points - 1))

    def test_every_built_in_reliable_from_equals_its_published_figure(self):
        """The app judges change by the index; where a file states the field's figure, the two
        must agree. The PCL-5 states none (its 10 points are "clinically meaningful", not a
        reliable change: docs/measures.md), and is the only one."""
        unpublished = []
        for slug, measure in catalogue.all_measures().items():
            if not measure.built_in:
                continue
            with self.subTest(slug):
                if measure.published_change is None:
                    unpublished.append(slug)
                    self.assertIn("no reliable-change figure", measure.published_change_source)
                else:
                    self.assertEqual(measure.reliable_from, measure.published_change)
        self.assertEqual(unpublished, ["pcl5"])
        self.assertEqual(PCL5.reliable_from, 9)

    def test_reliable_from_is_the_first_whole_point_above_the_index(self):
        self.assertEqual((PHQ9.reliable_from, GAD7.reliable_from, CORE10.reliable_from), (6, 4, 6))
        self.assertIsNone(reliable_change(PCL5, 40, 40 + PCL5.reliable_from - 1))
        self.assertEqual(reliable_change(PCL5, 40, 40 + PCL5.reliable_from), "worsened")

    def test_pcl5_lies_in_the_national_center_for_ptsd_range(self):
        # A 5-point change is the minimum for a response and 10 points is clinically meaningful.
        self.assertTrue(5 <= PCL5.rci_threshold < 10)
        self.assertEqual(reliable_change(PCL5, 50, 40), "improved")
        self.assertIsNone(reliable_change(PCL5, 50, 45))

    def test_no_change_is_judged_without_both_scores(self):
        self.assertIsNone(reliable_change(PHQ9, None, 3))
        self.assertIsNone(reliable_change(PHQ9, 20, None))


class ClinicallySignificantTests(SimpleTestCase):
    def test_reliable_improvement_across_the_cut_off(self):
        self.assertTrue(clinically_significant(PHQ9, 15, 8))
        # From exactly the cut-off (10 is "at or above") to below it, reliably.
        self.assertTrue(clinically_significant(PHQ9, 10, 4))

    def test_crossing_without_reliable_change_is_not(self):
        self.assertFalse(clinically_significant(PHQ9, 12, 8))

    def test_reliable_improvement_that_stays_above_the_cut_off_is_not(self):
        self.assertFalse(clinically_significant(PHQ9, 24, 12))

    def test_starting_below_the_cut_off_is_not(self):
        self.assertFalse(clinically_significant(GAD7, 9, 2))

    def test_worsening_is_not(self):
        self.assertFalse(clinically_significant(CORE10, 5, 20))
        self.assertFalse(clinically_significant(CORE10, None, 20))

    def test_core10_with_its_cut_off_of_11(self):
        self.assertTrue(clinically_significant(CORE10, 17, 10.4))
        self.assertFalse(clinically_significant(CORE10, 17, 11))
