"""The theme charts of a case summary, drawn with reportlab.graphics (vector, no images).

Theme names are drawn as graphics ``String``s, which are plain text, not markup.
"""

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from themes.analytics import Timeline

from .fonts import FONT, FONT_BOLD

# The web heat strip's fills (themes/views.py): untouched, then intensity 1 to 3.
FILLS = {
    0: colors.HexColor("#f1f3f5"),
    1: colors.HexColor("#c8d6e8"),
    2: colors.HexColor("#6f95c9"),
    3: colors.HexColor("#1f4e8c"),
}
INK = colors.HexColor("#212529")
MUTED = colors.HexColor("#6c757d")
LABEL_WIDTH = 48 * mm
MAX_BARS = 12
MAX_ROWS = 16


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    # Otherwise the drawing starts in Helvetica, which puts a reference to that (unembedded)
    # font in the file even though every string names DejaVu Sans.
    drawing.initialFontName = FONT
    return drawing


def _label(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def frequency_bars(counts: list[tuple[str, int, bool]], width: float) -> Drawing:
    """Horizontal bars of sessions per theme: ``(name, sessions, recurring)``, largest first."""
    counts = counts[:MAX_BARS]
    row, top = 5.5 * mm, 2 * mm
    drawing = _drawing(width, top + row * len(counts))
    plot = width - LABEL_WIDTH - 12 * mm
    most = max((count for _, count, _ in counts), default=1) or 1
    for index, (name, count, recurring) in enumerate(counts):
        y = drawing.height - top - row * (index + 1) + 1 * mm
        drawing.add(
            String(
                LABEL_WIDTH - 2 * mm,
                y + 1 * mm,
                _label(name),
                fontName=FONT_BOLD if recurring else FONT,
                fontSize=7.5,
                fillColor=INK,
                textAnchor="end",
            )
        )
        bar = max(plot * count / most, 0.5)
        drawing.add(
            Rect(
                LABEL_WIDTH,
                y,
                bar,
                row - 2 * mm,
                fillColor=FILLS[3 if recurring else 2],
                strokeColor=None,
            )
        )
        drawing.add(
            String(LABEL_WIDTH + bar + 1.5 * mm, y + 1 * mm, str(count), fontName=FONT, fontSize=7)
        )
    return drawing


def heat_strip(timeline: Timeline, width: float) -> Drawing:
    """Themes (rows) over sessions (columns, oldest first); a cell's fill is the intensity."""
    rows = timeline.rows
    if len(rows) > MAX_ROWS:
        kept = sorted(rows, key=lambda r: -r.sessions_touched)[:MAX_ROWS]
        rows = [r for r in rows if r in kept]
    sessions = timeline.sessions
    cell_h, legend_h, axis_h = 4 * mm, 7 * mm, 6 * mm
    drawing = _drawing(width, legend_h + cell_h * len(rows) + axis_h)
    plot_x = LABEL_WIDTH
    plot_w = width - plot_x
    cell_w = plot_w / max(len(sessions), 1)
    # Legend, top left of the plot.
    x = plot_x
    for level, label in ((0, "not touched"), (1, "mentioned"), (2, "explored"), (3, "central")):
        drawing.add(
            Rect(
                x,
                drawing.height - 4 * mm,
                3 * mm,
                3 * mm,
                fillColor=FILLS[level],
                strokeColor=colors.HexColor("#ced4da"),
                strokeWidth=0.3,
            )
        )
        drawing.add(String(x + 4 * mm, drawing.height - 3.6 * mm, label, fontName=FONT, fontSize=7))
        x += 25 * mm
    top = drawing.height - legend_h
    for index, row in enumerate(rows):
        y = top - cell_h * (index + 1)
        drawing.add(
            String(
                plot_x - 2 * mm,
                y + 1.2 * mm,
                _label(row.theme.name),
                fontName=FONT,
                fontSize=7,
                fillColor=INK,
                textAnchor="end",
            )
        )
        drawing.add(
            Rect(
                plot_x,
                y + 0.4 * mm,
                plot_w,
                cell_h - 0.8 * mm,
                fillColor=FILLS[0],
                strokeColor=None,
            )
        )
        for column, intensity in enumerate(row.intensities):
            if intensity:
                drawing.add(
                    Rect(
                        plot_x + column * cell_w,
                        y + 0.4 * mm,
                        max(cell_w - 0.15, 0.3),
                        cell_h - 0.8 * mm,
                        fillColor=FILLS[min(intensity, 3)],
                        strokeColor=None,
                    )
                )
    axis_y = top - cell_h * len(rows)
    drawing.add(Line(plot_x, axis_y, width, axis_y, strokeColor=MUTED, strokeWidth=0.5))
    if sessions:
        first, last = sessions[0].date, sessions[-1].date
        style = {"fontName": FONT, "fontSize": 7, "fillColor": MUTED}
        drawing.add(String(plot_x, axis_y - 3.5 * mm, f"{first:%d %b %Y}", **style))
        drawing.add(String(width, axis_y - 3.5 * mm, f"{last:%d %b %Y}", textAnchor="end", **style))
        count = f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}"
        drawing.add(
            String(plot_x + plot_w / 2, axis_y - 3.5 * mm, count, textAnchor="middle", **style)
        )
    return drawing
