"""The heat strip (themes over sessions) and the one colour palette it is drawn in.

Two renderers draw it: the client's theme page as inline SVG
(``templates/themes/includes/heat_strip.html``) and the case summary PDF with reportlab
(``summaries/charts.py``). Both take from here the colours, the legend and the rows with their
touched cells, computed from an ``analytics.Timeline``. The SVG's geometry is here too, as the
strings its template prints. The PDF's geometry stays with the reportlab code: it is in points
and stretches the sessions over the page width, where the page gives each session a column of
bounded width.
"""

import math
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.dateformat import format as format_date

from sessions.links import Intensity

from .analytics import Timeline


@dataclass(frozen=True)
class Palette:
    untouched: str = "#f1f3f5"
    mentioned: str = "#c8d6e8"
    explored: str = "#6f95c9"
    central: str = "#1f4e8c"
    ink: str = "#212529"  # theme names
    secondary: str = "#495057"  # the page's legend and dates
    rule: str = "#adb5bd"  # the page's axis and ticks
    print_secondary: str = "#6c757d"  # the PDF's axis and dates
    swatch_edge: str = "#ced4da"  # around a legend swatch

    @property
    def recurring(self) -> str:
        """The dot that marks a recurring theme: the darkest fill."""
        return self.central

    @property
    def fills(self) -> dict[int, str]:
        """Fill per intensity, 0 for a session that did not touch the theme."""
        return {0: self.untouched, 1: self.mentioned, 2: self.explored, 3: self.central}


PALETTE = Palette()
FILLS = PALETTE.fills
LEVEL_NAMES = {level: Intensity(level).label.lower() for level in Intensity.values}


def legend(untouched: str) -> list[tuple[str, str]]:
    """(fill, label) per intensity, lightest first; ``untouched`` names intensity 0."""
    return [(FILLS[0], untouched), *((FILLS[level], name) for level, name in LEVEL_NAMES.items())]


def shorten(name: str, limit: int) -> str:
    """A theme name cut to ``limit`` characters, the cut shown with an ellipsis."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


@dataclass(frozen=True)
class Row:
    """One theme across the sessions: the touched cells as (column, intensity), oldest first."""

    name: str
    category: str
    recurring: bool
    cells: tuple[tuple[int, int], ...]


def rows(line: Timeline, recurring: Collection[int] = (), limit: int | None = None) -> list[Row]:
    """The strip's rows in the timeline's order; with ``limit``, only the most-touched ones."""
    timeline_rows = line.rows
    if limit is not None and len(timeline_rows) > limit:
        # sorted() is stable: among equally touched themes the earlier row is kept.
        kept = sorted(range(len(timeline_rows)), key=lambda i: -timeline_rows[i].sessions_touched)
        timeline_rows = [timeline_rows[i] for i in sorted(kept[:limit])]
    return [
        Row(
            name=row.theme.name,
            category=row.theme.category,
            recurring=row.theme.pk in recurring,
            cells=tuple((column, level) for column, level in enumerate(row.intensities) if level),
        )
        for row in timeline_rows
    ]


# --- the page's SVG ---------------------------------------------------------------------------
LABEL_WIDTH = 320
PLOT_TARGET_WIDTH = 760  # many sessions share it; few sessions get MAX_COLUMN each
MAX_COLUMN, MIN_COLUMN = 36.0, 2.0
ROW_HEIGHT, CATEGORY_GAP, TOP, BOTTOM = 20, 8, 34, 74
LABEL_CHARS = 42  # longer theme names are cut, with the full name as a tooltip
LEGEND_STEP = 92
TICK_SPACING = 18  # user units between date labels at the least


def _n(value: float) -> str:
    """An SVG coordinate: plain decimal notation whatever the locale, at most 2 decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class StripCell:
    x: str
    fill: str
    title: str


@dataclass
class StripRow:
    label: str
    name: str
    recurring: bool
    y: str  # of the cells
    text_y: str
    marker_y: str
    cells: list[StripCell]


@dataclass
class HeatStrip:
    width: str
    height: str
    plot_x: str
    plot_width: str
    label_x: str  # where the theme names end
    marker_x: str
    cell_width: str
    cell_height: str
    pattern_width: str
    pattern_inset: str
    rows: list[StripRow]
    axis_y: str
    tick_end: str
    plot_end: str
    ticks: list[tuple[str, str, str]]  # (x, y, date)
    legend: list[tuple[str, str, str, str]]  # (x of swatch, x of text, fill, label)
    legend_marker_x: str
    legend_marker_text_x: str
    aria_label: str
    palette: Palette = PALETTE


def svg_layout(line: Timeline, recurring: Collection[int], client_code: str) -> HeatStrip:
    """Geometry of the page's SVG strip: one column per session (oldest left), one row per theme.

    Only touched cells are drawn one by one; the untouched ones are a background pattern, so a
    300-session client costs about as many elements as the themes recorded.
    """
    count = max(1, len(line.sessions))
    column = round(min(MAX_COLUMN, max(MIN_COLUMN, PLOT_TARGET_WIDTH / count)), 2)
    gap = 2.0 if column >= 10 else 1.0 if column >= 5 else 0.0
    dates = [format_date(s.date, "j M Y") for s in line.sessions]
    xs = [_n(LABEL_WIDTH + index * column + gap / 2) for index in range(count)]
    strip_rows, y, category = [], TOP, None
    for row in rows(line, recurring):
        if category is not None and row.category != category:
            y += CATEGORY_GAP
        category = row.category
        cells = [
            StripCell(xs[index], FILLS[level], f"{row.name}, {dates[index]}: {LEVEL_NAMES[level]}")
            for index, level in row.cells
        ]
        label = shorten(row.name, LABEL_CHARS)
        strip_rows.append(
            StripRow(
                label, row.name, row.recurring, _n(y + 1), _n(y + 14), _n(y + ROW_HEIGHT / 2), cells
            )
        )
        y += ROW_HEIGHT
    step = math.ceil(TICK_SPACING / column)
    ticks = [
        (_n(LABEL_WIDTH + (index + 0.5) * column), _n(y + 12), dates[index])
        for index in range(len(line.sessions) - 1, -1, -step)  # the newest is always labelled
    ]
    legend_items = legend("none")
    legend_xs = [
        (_n(8 + i * LEGEND_STEP), _n(8 + i * LEGEND_STEP + 16), fill, label)
        for i, (fill, label) in enumerate(legend_items)
    ]
    legend_end = 8 + len(legend_items) * LEGEND_STEP
    recurring_names = [row.name for row in strip_rows if row.recurring]
    plot_width = count * column
    return HeatStrip(
        width=_n(max(LABEL_WIDTH + plot_width + 12, legend_end + LEGEND_STEP)),
        height=_n(y + BOTTOM),
        plot_x=_n(LABEL_WIDTH),
        plot_width=_n(plot_width),
        label_x=_n(LABEL_WIDTH - 18),
        marker_x=_n(LABEL_WIDTH - 9),
        cell_width=_n(column - gap),
        cell_height=_n(ROW_HEIGHT - 2),
        pattern_width=_n(column),
        pattern_inset=_n(gap / 2),
        rows=strip_rows,
        axis_y=_n(y + 2),
        tick_end=_n(y + 6),
        plot_end=_n(LABEL_WIDTH + plot_width),
        ticks=ticks,
        legend=legend_xs,
        legend_marker_x=_n(legend_end + 6),
        legend_marker_text_x=_n(legend_end + 14),
        aria_label=(
            f"Theme timeline for {client_code}: {len(line.sessions)} sessions from "
            f"{dates[0]} to {dates[-1]}, {len(strip_rows)} themes. Recurring: "
            f"{', '.join(recurring_names) or 'none'}. The table below gives the figures."
        ),
    )
