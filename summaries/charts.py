"""The theme charts of a case summary, drawn with reportlab.graphics (vector, no images).

Theme names are drawn as graphics ``String``s, which are plain text, not markup.
"""

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from themes import heatstrip
from themes.analytics import Timeline

from .fonts import FONT, FONT_BOLD

FILLS = {level: colors.HexColor(fill) for level, fill in heatstrip.FILLS.items()}
INK = colors.HexColor(heatstrip.PALETTE.ink)
MUTED = colors.HexColor(heatstrip.PALETTE.print_secondary)
SWATCH_EDGE = colors.HexColor(heatstrip.PALETTE.swatch_edge)
LABEL_WIDTH = 48 * mm
LABEL_CHARS = 30
MAX_BARS = 12
MAX_ROWS = 16


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    # Otherwise the drawing starts in Helvetica, which puts a reference to that (unembedded)
    # font in the file even though every string names DejaVu Sans.
    drawing.initialFontName = FONT
    return drawing


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
                heatstrip.shorten(name, LABEL_CHARS),
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
    rows = heatstrip.rows(timeline, limit=MAX_ROWS)
    sessions = timeline.sessions
    cell_h, legend_h, axis_h = 4 * mm, 7 * mm, 6 * mm
    drawing = _drawing(width, legend_h + cell_h * len(rows) + axis_h)
    plot_x = LABEL_WIDTH
    plot_w = width - plot_x
    cell_w = plot_w / max(len(sessions), 1)
    # Legend, top left of the plot.
    x = plot_x
    for fill, label in heatstrip.legend("not touched"):
        drawing.add(
            Rect(
                x,
                drawing.height - 4 * mm,
                3 * mm,
                3 * mm,
                fillColor=colors.HexColor(fill),
                strokeColor=SWATCH_EDGE,
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
                heatstrip.shorten(row.name, LABEL_CHARS),
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
        for column, intensity in row.cells:
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
