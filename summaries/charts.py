"""The theme charts of a case summary, drawn with reportlab.graphics (vector, no images).

Theme names are drawn as graphics ``String``s, which are plain text, not markup. A name is
never cut: one too long for the label column is wrapped onto as many lines as it needs, and
its row grows with it.
"""

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from themes import heatstrip
from themes.analytics import Timeline

from .fonts import FONT, FONT_BOLD, register_fonts

FILLS = {level: colors.HexColor(fill) for level, fill in heatstrip.FILLS.items()}
INK = colors.HexColor(heatstrip.PALETTE.ink)
MUTED = colors.HexColor(heatstrip.PALETTE.print_secondary)
SWATCH_EDGE = colors.HexColor(heatstrip.PALETTE.swatch_edge)
LABEL_WIDTH = 48 * mm
LABEL_GAP = 2 * mm
MAX_BARS = 12
MAX_ROWS = 16


def wrap_label(label: str, width: float, font: str = FONT, size: float = 7) -> list[str]:
    """``label`` in lines no wider than ``width``: broken between words, and inside a word
    only when the word alone is wider."""
    register_fonts()  # the widths are the embedded font's
    lines = []
    for line in simpleSplit(" ".join(str(label).split()), font, size, width) or [""]:
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def draw_label(
    drawing, lines: list[str], x: float, top: float, leading: float, anchor="end", **style
) -> None:
    """Lines aligned on ``x`` (ending there by default), the first one's baseline at ``top``."""
    for index, line in enumerate(lines):
        drawing.add(String(x, top - index * leading, line, textAnchor=anchor, **style))


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    # Otherwise the drawing starts in Helvetica, which puts a reference to that (unembedded)
    # font in the file even though every string names DejaVu Sans.
    drawing.initialFontName = FONT
    return drawing


def frequency_bars(counts: list[tuple[str, int, bool]], width: float) -> Drawing:
    """Horizontal bars of sessions per theme: ``(name, sessions, recurring)``, largest first."""
    counts = counts[:MAX_BARS]
    size, leading, row, top = 7.5, 3.2 * mm, 5.5 * mm, 2 * mm
    labels = [
        wrap_label(name, LABEL_WIDTH - LABEL_GAP, FONT_BOLD if recurring else FONT, size)
        for name, _, recurring in counts
    ]
    heights = [row + leading * (len(lines) - 1) for lines in labels]
    drawing = _drawing(width, top + sum(heights))
    plot = width - LABEL_WIDTH - 12 * mm
    most = max((count for _, count, _ in counts), default=1) or 1
    y_top = drawing.height - top
    for (_, count, recurring), lines, height in zip(counts, labels, heights, strict=True):
        y = y_top - row + 1 * mm  # the bar sits beside the label's first line
        draw_label(
            drawing,
            lines,
            LABEL_WIDTH - LABEL_GAP,
            y + 1 * mm,
            leading,
            fontName=FONT_BOLD if recurring else FONT,
            fontSize=size,
            fillColor=INK,
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
        y_top -= height
    return drawing


def heat_strip(timeline: Timeline, width: float) -> Drawing:
    """Themes (rows) over sessions (columns, oldest first); a cell's fill is the intensity."""
    rows = heatstrip.rows(timeline, limit=MAX_ROWS)
    sessions = timeline.sessions
    cell_h, legend_h, axis_h, leading = 4 * mm, 7 * mm, 6 * mm, 2.9 * mm
    labels = [wrap_label(row.name, LABEL_WIDTH - LABEL_GAP) for row in rows]
    heights = [cell_h + leading * (len(lines) - 1) for lines in labels]
    drawing = _drawing(width, legend_h + sum(heights) + axis_h)
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
    y_top = top
    for row, lines, height in zip(rows, labels, heights, strict=True):
        y = y_top - height
        draw_label(
            drawing,
            lines,
            plot_x - LABEL_GAP,
            y_top - cell_h + 1.2 * mm,
            leading,
            fontName=FONT,
            fontSize=7,
            fillColor=INK,
        )
        drawing.add(
            Rect(
                plot_x,
                y + 0.4 * mm,
                plot_w,
                height - 0.8 * mm,
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
                    height - 0.8 * mm,
                    fillColor=FILLS[min(intensity, 3)],
                    strokeColor=None,
                )
            )
        y_top = y
    axis_y = top - sum(heights)
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
