"""One outcome measure over time, drawn with reportlab.graphics for the case summary.

x = dates (linear in days), y = score from the lowest to the highest possible; the severity bands
as shaded areas with their names in a column on the right, the cut-off as a dashed line, the
totals as a line with points (a prorated total hollow) and reliable change against the previous
score marked ▲ (worse) or ▼ (better), as on the client page (``measures.charts``). Incomplete
questionnaires have no total: the table under the chart lists them.

No label is cut: a band name too long for the right-hand column is wrapped, and the band's row
of text may run past its shaded area rather than lose a word.
"""

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from measures.change import IMPROVED, WORSENED
from measures.charts import severity_class

from .charts import draw_label, wrap_label
from .fonts import FONT

# Light print tints from the least to the most severe band (measures.charts' band-0..band-4).
BAND_TINTS = {
    "band-0": colors.HexColor("#eef6f0"),
    "band-1": colors.HexColor("#f6f7e9"),
    "band-2": colors.HexColor("#fbf3e4"),
    "band-3": colors.HexColor("#fbeae3"),
    "band-4": colors.HexColor("#f7e1e1"),
}
LINE = colors.HexColor("#1f3a5a")
CUTOFF = colors.HexColor("#b02a37")
WORSE = colors.HexColor("#b02a37")
BETTER = colors.HexColor("#1e7a4a")
MUTED = colors.HexColor("#6c757d")
AXIS_W, BAND_LABEL_W, HEIGHT, LEGEND_H, DATES_H = 10 * mm, 38 * mm, 48 * mm, 6 * mm, 6 * mm
SIZE, LEADING, TOP_PAD = 7, 2.9 * mm, 3 * mm


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    drawing.initialFontName = FONT  # not Helvetica, which is not embedded
    return drawing


def _score(total: float) -> str:
    return f"{total:g}"


def measure_chart(history, width: float) -> Drawing:
    """The chart of one ``measures.reports.History``."""
    measure = history.measure
    low, high = min(measure.min_score, 0), measure.max_score
    drawing = _drawing(width, HEIGHT + DATES_H + LEGEND_H + TOP_PAD)
    x0, x1 = AXIS_W, width - BAND_LABEL_W
    y0, y1 = DATES_H + LEGEND_H, DATES_H + LEGEND_H + HEIGHT

    def y(score: float) -> float:
        return y0 + (score - low) / ((high - low) or 1) * (y1 - y0)

    _bands(drawing, measure, y, x0, x1, width, low, high)
    _score_axis(drawing, measure, y, x0, low, high)
    if measure.cutoff is not None:
        drawing.add(
            Line(
                x0,
                y(measure.cutoff),
                x1,
                y(measure.cutoff),
                strokeColor=CUTOFF,
                strokeWidth=0.8,
                strokeDashArray=[3, 2],
            )
        )
    points = history.scored
    if points:
        first, last = points[0].date, points[-1].date
        span = (last - first).days

        def x(day) -> float:
            if not span:
                return (x0 + x1) / 2
            pad = 3 * mm
            return x0 + pad + (day - first).days / span * (x1 - x0 - 2 * pad)

        coordinates = [(x(p.date), y(p.total)) for p in points]
        if len(coordinates) > 1:
            flat = [value for pair in coordinates for value in pair]
            drawing.add(PolyLine(flat, strokeColor=LINE, strokeWidth=1))
        for point, (px, py) in zip(points, coordinates, strict=True):
            _point(drawing, point, px, py)
        _dates(drawing, first, last, x, y0)
    _legend(drawing, measure, x0)
    return drawing


def _bands(drawing, measure, y, x0, x1, width, low, high) -> None:
    bands = measure.bands
    for index, band in enumerate(bands):
        bottom = low if index == 0 else band.low
        top = bands[index + 1].low if index + 1 < len(bands) else high
        tint = BAND_TINTS.get(severity_class(band, measure), BAND_TINTS["band-0"])
        drawing.add(
            Rect(x0, y(bottom), x1 - x0, y(top) - y(bottom), fillColor=tint, strokeColor=None)
        )
        lines = wrap_label(band.label, BAND_LABEL_W - 3 * mm, FONT, SIZE)
        middle = (y(bottom) + y(top)) / 2
        first_baseline = middle + (len(lines) - 1) * LEADING / 2 - SIZE / 3
        draw_label(
            drawing,
            lines,
            x1 + 2 * mm,
            first_baseline,
            LEADING,
            anchor="start",
            fontName=FONT,
            fontSize=SIZE,
            fillColor=MUTED,
        )
    drawing.add(
        Rect(
            x0,
            y(low),
            x1 - x0,
            y(high) - y(low),
            fillColor=None,
            strokeColor=MUTED,
            strokeWidth=0.4,
        )
    )


def _score_axis(drawing, measure, y, x0, low, high) -> None:
    ticks = sorted({low, high, *(band.low for band in measure.bands if band.low > low)})
    last_y = None
    for value in ticks:
        ty = y(value)
        if last_y is not None and ty - last_y < 2.6 * mm and value != high:
            continue  # too close to the one below: its label would overprint
        drawing.add(
            String(
                x0 - 1.5 * mm,
                ty - SIZE / 3,
                _score(value),
                fontName=FONT,
                fontSize=SIZE,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
        last_y = ty


def _point(drawing, point, px, py) -> None:
    hollow = point.status == "prorated"
    drawing.add(
        Circle(
            px,
            py,
            1.3,
            fillColor=colors.white if hollow else LINE,
            strokeColor=LINE,
            strokeWidth=0.8,
        )
    )
    change = point.change_from_previous
    if change == WORSENED:
        drawing.add(
            Polygon([px - 2, py + 3, px + 2, py + 3, px, py + 6], fillColor=WORSE, strokeColor=None)
        )
    elif change == IMPROVED:
        drawing.add(
            Polygon(
                [px - 2, py - 3, px + 2, py - 3, px, py - 6], fillColor=BETTER, strokeColor=None
            )
        )


def _dates(drawing, first, last, x, y0) -> None:
    style = {"fontName": FONT, "fontSize": SIZE, "fillColor": MUTED}
    base = y0 - 3.5 * mm
    if first == last:
        drawing.add(String(x(first), base, f"{first:%d %b %Y}", textAnchor="middle", **style))
        return
    drawing.add(String(x(first), base, f"{first:%d %b %Y}", textAnchor="start", **style))
    drawing.add(String(x(last), base, f"{last:%d %b %Y}", textAnchor="end", **style))


def _legend(drawing, measure, x0) -> None:
    style = {"fontName": FONT, "fontSize": SIZE, "fillColor": MUTED}
    base, x = 1.5 * mm, x0
    if measure.cutoff is not None:
        drawing.add(
            Line(
                x,
                base + 1,
                x + 6 * mm,
                base + 1,
                strokeColor=CUTOFF,
                strokeWidth=0.8,
                strokeDashArray=[3, 2],
            )
        )
        label = measure.cutoff_label or f"Cut-off ({_score(measure.cutoff)})"
        drawing.add(String(x + 7.5 * mm, base, label, **style))
        x += 7.5 * mm + _width(label) + 5 * mm
    drawing.add(
        Polygon(
            [x, base + 3.5, x + 4, base + 3.5, x + 2, base + 6.5], fillColor=WORSE, strokeColor=None
        )
    )
    drawing.add(String(x + 5.5, base, "reliably worse", **style))
    x += 5.5 + _width("reliably worse") + 5 * mm
    drawing.add(
        Polygon(
            [x, base + 3.5, x + 4, base + 3.5, x + 2, base + 0.5],
            fillColor=BETTER,
            strokeColor=None,
        )
    )
    drawing.add(String(x + 5.5, base, "reliably better", **style))
    x += 5.5 + _width("reliably better") + 5 * mm
    drawing.add(
        Circle(x + 1.5, base + 2, 1.3, fillColor=colors.white, strokeColor=LINE, strokeWidth=0.8)
    )
    drawing.add(String(x + 4.5, base, "prorated total", **style))


def _width(label: str) -> float:
    return stringWidth(label, FONT, SIZE)
