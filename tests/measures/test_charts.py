"""The charts' geometry (measures/charts.py): where points, bands, the cut-off and labels go,
and that the measures above the heat strip sit on the strip's own date axis."""

import datetime
import itertools
import uuid
from types import SimpleNamespace

from django.test import SimpleTestCase

from measures import catalogue, charts
from measures.reports import History, Point
from themes import heatstrip
from themes.analytics import SessionThemes, Timeline, TimelineRow

D = datetime.date
PHQ9 = "phq9"


def point(day, total, *, status="complete", change=None, band=""):
    return Point(
        administration_id=uuid.uuid4(),
        date=day,
        total=total,
        status=status,
        band_label=band,
        above_cutoff=None if total is None else total >= 10,
        change_from_previous=change,
        change_from_first=None,
        risk_items=(),
        source="therapist",
    )


def history(*points, slug=PHQ9):
    return History(measure=catalogue.get_measure(slug), points=tuple(points))


def f(value: str) -> float:
    return float(value)


class MeasureChartTests(SimpleTestCase):
    def setUp(self):
        self.size = charts.FULL
        self.left, self.top = self.size.left, self.size.top
        self.plot_end = self.size.width - self.size.right
        self.bottom = self.top + self.size.plot_height

    def y(self, score, maximum=27):
        return self.bottom - score / maximum * self.size.plot_height

    def test_points_sit_at_their_dates_and_scores(self):
        chart = charts.measure_chart(
            history(point(D(2026, 1, 1), 20), point(D(2026, 1, 11), 15), point(D(2026, 1, 21), 6))
        )
        xs = [f(p.x) for p in chart.points]
        self.assertEqual(xs[0], self.left + self.size.pad)
        self.assertEqual(xs[2], self.plot_end - self.size.pad)
        self.assertAlmostEqual(xs[1], (xs[0] + xs[2]) / 2, places=1)  # day 10 of 20
        ys = [f(p.y) for p in chart.points]
        for y, score in zip(ys, (20, 15, 6), strict=True):
            self.assertAlmostEqual(y, self.y(score), places=1)
        self.assertEqual(chart.line, " ".join(f"{p.x},{p.y}" for p in chart.points))

    def test_one_score_sits_in_the_middle(self):
        chart = charts.measure_chart(history(point(D(2026, 1, 1), 9)))
        self.assertAlmostEqual(f(chart.points[0].x), (self.left + self.plot_end) / 2, places=1)

    def test_each_band_is_a_rect_from_its_low_to_the_next_bands_low(self):
        chart = charts.measure_chart(history(point(D(2026, 1, 1), 9)))
        self.assertEqual(
            [band.label for band in chart.bands],
            ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"],
        )
        for band, (low, high) in zip(
            chart.bands, ((0, 5), (5, 10), (10, 15), (15, 20), (20, 27)), strict=True
        ):
            with self.subTest(band=band.label):
                self.assertAlmostEqual(f(band.y), self.y(high), places=1)
                self.assertAlmostEqual(f(band.height), self.y(low) - self.y(high), places=1)
        # The bands cover the plot exactly, from least to most severe colour.
        self.assertAlmostEqual(sum(f(b.height) for b in chart.bands), self.size.plot_height, 1)
        self.assertEqual([b.css for b in chart.bands], [f"band-{i}" for i in range(5)])

    def test_the_cut_off_is_a_line_at_its_score_with_its_label(self):
        chart = charts.measure_chart(history(point(D(2026, 1, 1), 9)))
        self.assertAlmostEqual(f(chart.cutoff_y), self.y(10), places=1)
        self.assertEqual(chart.cutoff_label, "Clinical cut-off (10)")

    def test_prorated_points_are_hollow_and_incomplete_ones_are_listed_not_drawn(self):
        chart = charts.measure_chart(
            history(
                point(D(2026, 1, 1), 12, status="prorated"),
                point(D(2026, 1, 8), None, status="incomplete"),
                point(D(2026, 1, 15), 8),
            )
        )
        self.assertEqual([p.hollow for p in chart.points], [True, False])
        self.assertEqual([p.date for p in chart.incomplete], [D(2026, 1, 8)])
        self.assertIn("prorated", chart.points[0].title)

    def test_reliable_change_is_a_triangle_above_or_below_the_point(self):
        chart = charts.measure_chart(
            history(
                point(D(2026, 1, 1), 5),
                point(D(2026, 1, 8), 19, change="worsened"),
                point(D(2026, 1, 15), 6, change="improved"),
            )
        )
        worse, better = chart.points[1], chart.points[2]
        self.assertEqual((worse.change, better.change), ("worsened", "improved"))
        tip = lambda p: float(p.marker.split()[1])  # noqa: E731 -- the path's first y
        self.assertLess(tip(worse), f(worse.y))
        self.assertGreater(tip(better), f(better.y))
        self.assertIn("reliably worse", worse.title)
        self.assertEqual(chart.points[0].marker, "")

    def test_date_labels_never_touch(self):
        days = [D(2026, 1, 1) + datetime.timedelta(days=7 * i) for i in range(40)]
        chart = charts.measure_chart(history(*(point(day, 10) for day in days)))
        xs = [f(tick.position) for tick in chart.date_ticks]
        self.assertEqual(chart.date_ticks[-1].label, "1 Oct 2026")  # the newest
        self.assertEqual(chart.date_ticks[0].label, "1 Jan 2026")  # and the oldest
        self.assertTrue(all(b - a >= charts.DATE_LABEL_WIDTH for a, b in itertools.pairwise(xs)))

    def test_score_labels_never_touch_and_keep_both_ends(self):
        for slug in catalogue.BUILT_IN:
            for size in (charts.FULL, charts.COMPACT):
                chart = charts.measure_chart(history(point(D(2026, 1, 1), 5), slug=slug), size)
                ys = sorted(f(tick.position) for tick in chart.score_ticks)
                labels = [tick.label for tick in chart.score_ticks]
                with self.subTest(slug=slug, size=size):
                    self.assertIn("0", labels)
                    self.assertIn(str(catalogue.get_measure(slug).max_score), labels)
                    gaps = [b - a for a, b in itertools.pairwise(ys)]
                    self.assertTrue(all(gap >= charts.MIN_TICK_GAP for gap in gaps), gaps)


class BandLabelTests(SimpleTestCase):
    """A band's name is never cut: it fits the margin, is wrapped, or is abbreviated with its
    full name in the legend."""

    def check_labels(self, chart, margin_chars):
        for band in chart.bands:
            for _, text in band.lines:
                self.assertLessEqual(len(text), margin_chars, text)
            shown = " ".join(text for _, text in band.lines)
            if band.abbreviation:
                self.assertIn((band.abbreviation, band.label), chart.legend)
            else:
                self.assertEqual(shown, band.label)

    def test_the_built_in_labels_fit_whole(self):
        for slug in catalogue.BUILT_IN:
            chart = charts.measure_chart(history(point(D(2026, 1, 1), 5), slug=slug))
            with self.subTest(slug=slug):
                self.check_labels(chart, int((charts.FULL.right - 12) / charts.CHAR_WIDTH))
                self.assertEqual(chart.legend, [])

    def test_a_narrow_margin_wraps_and_a_thin_band_abbreviates(self):
        narrow = charts.Size(width=400, plot_height=90, right=70)
        chart = charts.measure_chart(history(point(D(2026, 1, 1), 5), slug="core10"), narrow)
        chars = int((narrow.right - 12) / charts.CHAR_WIDTH)
        self.check_labels(chart, chars)
        self.assertIn(("MTS", "Moderate-to-severe"), chart.legend)
        abbreviated = [band.label for band in chart.bands if band.abbreviation]
        self.assertEqual([label for _, label in chart.legend], abbreviated)
        self.assertEqual(len({a for a, _ in chart.legend}), len(chart.legend))  # told apart

    def test_lines_of_a_wrapped_label_stay_inside_their_band(self):
        narrow = charts.Size(width=400, plot_height=300, right=90)
        chart = charts.measure_chart(history(point(D(2026, 1, 1), 5)), narrow)
        severe = next(band for band in chart.bands if band.label == "Moderately severe")
        self.assertEqual([text for _, text in severe.lines], ["Moderately", "severe"])
        top, bottom = f(severe.y), f(severe.y) + f(severe.height)
        for y, _ in severe.lines:
            self.assertTrue(top < f(y) < bottom)


def theme(pk, name="Maternal rejection"):
    return SimpleNamespace(pk=pk, name=name, category="relational", sort_order=pk)


def timeline(days, intensities):
    sessions = [
        SessionThemes(uuid.uuid4(), None, day, datetime.time(10), {1: level})
        for day, level in zip(days, intensities, strict=True)
    ]
    row = TimelineRow(theme(1), sum(1 for i in intensities if i), list(intensities))
    return Timeline(sessions=sessions, rows=[row])


class CombinedChartTests(SimpleTestCase):
    SESSIONS = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 26)]

    def chart(self, *points):
        line = timeline(self.SESSIONS, [1, 2, 3])
        return charts.combined_chart([history(*points)], line, set(), "C-0001")

    def column_centres(self, chart):
        """The centre of each session's cell in the strip, as the strip draws them."""
        width = f(chart.strip.cell_width)
        return [f(cell.x) + width / 2 for cell in chart.strip.rows[0].cells]

    def test_a_score_on_a_session_day_sits_on_that_sessions_column(self):
        chart = self.chart(point(D(2026, 1, 5), 18), point(D(2026, 1, 26), 9))
        centres = self.column_centres(chart)
        xs = [f(p.x) for p in chart.panels[0].points]
        self.assertAlmostEqual(xs[0], centres[0], places=1)
        self.assertAlmostEqual(xs[1], centres[2], places=1)
        self.assertEqual(chart.measure_only, [])

    def test_a_score_between_sessions_sits_between_their_columns_by_days(self):
        chart = self.chart(point(D(2026, 1, 19), 12))  # 7 of the 14 days from 12 to 26 Jan
        centres = self.column_centres(chart)
        x = f(chart.panels[0].points[0].x)
        self.assertAlmostEqual(x, (centres[1] + centres[2]) / 2, places=1)

    def test_a_score_outside_the_sessions_gets_a_column_of_its_own(self):
        chart = self.chart(point(D(2025, 12, 29), 20), point(D(2026, 2, 2), 7))
        self.assertEqual([day for _, _, day in chart.measure_only], ["29 Dec 2025", "2 Feb 2026"])
        centres = self.column_centres(chart)  # the sessions' cells, now columns 1 to 3
        column = f(chart.strip.pattern_width)
        first, last = (f(p.x) for p in chart.panels[0].points)
        self.assertAlmostEqual(first, centres[0] - column, places=1)
        self.assertAlmostEqual(last, centres[-1] + column, places=1)
        self.assertEqual(len(chart.strip.rows[0].cells), 3)  # no theme cell for them

    def test_the_panels_sit_above_the_strip_and_scale_to_the_measure(self):
        chart = self.chart(point(D(2026, 1, 5), 27), point(D(2026, 1, 12), 0))
        panel = chart.panels[0]
        top, bottom = f(panel.top), f(panel.bottom)
        ys = [f(p.y) for p in panel.points]
        self.assertAlmostEqual(ys[0], top, places=1)
        self.assertAlmostEqual(ys[1], bottom, places=1)
        self.assertLess(bottom, f(chart.strip_y))
        self.assertAlmostEqual(f(panel.cutoff_y), bottom - 10 / 27 * (bottom - top), places=1)

    def test_the_strip_is_the_theme_pages_own_layout(self):
        line = timeline(self.SESSIONS, [1, 2, 3])
        chart = charts.combined_chart([history(point(D(2026, 1, 5), 18))], line, set(), "C-0001")
        self.assertEqual(chart.strip, heatstrip.svg_layout(line, set(), "C-0001"))

    def test_without_a_score_there_is_no_chart(self):
        line = timeline(self.SESSIONS, [1, 2, 3])
        incomplete = history(point(D(2026, 1, 5), None, status="incomplete"))
        self.assertIsNone(charts.combined_chart([incomplete], line, set(), "C-0001"))

    def test_scores_without_any_session_get_columns_of_their_own(self):
        empty = Timeline(sessions=[], rows=[])
        chart = charts.combined_chart(
            [history(point(D(2026, 1, 5), 18), point(D(2026, 1, 19), 8))], empty, set(), "C-1"
        )
        self.assertEqual(len(chart.measure_only), 2)
        xs = [f(p.x) for p in chart.panels[0].points]
        self.assertLess(xs[0], xs[1])


class DateScaleTests(SimpleTestCase):
    def test_days_between_anchors_are_interpolated_and_outside_ones_clamped(self):
        scale = charts.DateScale([(D(2026, 1, 1), 100.0), (D(2026, 1, 11), 200.0)])
        self.assertEqual(scale.x(D(2026, 1, 6)), 150.0)
        self.assertEqual(scale.x(D(2025, 12, 1)), 100.0)
        self.assertEqual(scale.x(D(2026, 3, 1)), 200.0)
