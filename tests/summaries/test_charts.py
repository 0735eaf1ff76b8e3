"""The case summary's heat strip: the cells the page's strip has, in the same colours, and at
most MAX_ROWS themes (the most touched)."""

import datetime
from types import SimpleNamespace

from django.test import SimpleTestCase
from reportlab.graphics.shapes import Rect, String
from reportlab.lib.units import mm

from summaries import charts
from themes.analytics import SessionThemes, timeline
from themes.heatstrip import FILLS

WIDTH = 174 * mm


def theme(pk: int, name: str, category: str = "affect") -> SimpleNamespace:
    return SimpleNamespace(pk=pk, name=name, category=category, sort_order=pk)


def sessions(*intensities: dict[int, int]) -> list[SessionThemes]:
    start = datetime.date(2026, 1, 5)
    return [
        SessionThemes(n, 1, start + datetime.timedelta(days=7 * n), datetime.time(10), levels)
        for n, levels in enumerate(intensities)
    ]


def hex_of(shape) -> str:
    return "#" + shape.fillColor.hexval()[2:].lower()


class HeatStripTests(SimpleTestCase):
    def test_each_touched_cell_has_the_pages_fill_for_its_intensity(self):
        themes = {1: theme(1, "Guilt"), 2: theme(2, "Anxiety")}
        drawing = charts.heat_strip(timeline(sessions({1: 3}, {1: 1, 2: 2}, {}), themes), WIDTH)
        rects = [s for s in drawing.contents if isinstance(s, Rect)]
        legend, rows = rects[:4], rects[4:]
        self.assertEqual([hex_of(r) for r in legend], [FILLS[0], FILLS[1], FILLS[2], FILLS[3]])
        # Per row: the untouched background, then one rect per touched session.
        self.assertEqual(
            [hex_of(r) for r in rows], [FILLS[0], FILLS[3], FILLS[1], FILLS[0], FILLS[2]]
        )
        labels = [s.text for s in drawing.contents if isinstance(s, String)]
        self.assertEqual(labels[:4], ["not touched", "mentioned", "explored", "central"])
        self.assertIn("3 sessions", labels)

    def test_only_the_most_touched_themes_are_drawn_in_the_timelines_order(self):
        count = charts.MAX_ROWS + 2
        themes = {pk: theme(pk, f"Theme {pk}") for pk in range(1, count + 1)}
        # Theme pk is touched in pk sessions: themes 1 and 2 are the least touched.
        line = timeline(
            sessions(*({pk: 1 for pk in themes if pk > n} for n in range(count))), themes
        )
        drawing = charts.heat_strip(line, WIDTH)
        names = [s.text for s in drawing.contents if isinstance(s, String) and "Theme" in s.text]
        self.assertEqual(names, [f"Theme {pk}" for pk in range(count, 2, -1)])
