"""The geometry of the measures' charts, as the strings their SVG templates print.

Two drawings:

- ``measure_chart``: one measure over time (``templates/measures/includes/measure_chart.html``):
  x = dates (linear in days), y = score 0..max; the severity bands as shaded areas labelled at
  the right edge, the cut-off as a dashed line, the totals as a line with points (a prorated
  total hollow), reliable change against the previous score marked ▲ (worse) or ▼ (better).
  Incomplete questionnaires are not drawn: the page lists them under the chart.
- ``combined_chart``: every measure's line above the theme heat strip, on the strip's own date
  axis (``templates/measures/includes/combined_chart.html``). The strip is laid out by
  ``themes.heatstrip.svg_layout`` (one column per session); a measure point sits at the centre
  of the column of a session on its date, and between two columns in proportion to the days
  when no session was held that day. A measure taken before the first or after the last session
  gets a column of its own (drawn dashed), so that nothing falls off the axis.

Colours are CSS classes (static/css/measures.css) that follow Bootstrap's light and dark modes:
the page's Content-Security-Policy allows no style attributes. A label is never cut: a band
name too long for the margin is wrapped, and one that cannot be wrapped into its band is
abbreviated, with the full name in the legend under the chart.
"""

import bisect
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from themes import heatstrip
from themes.analytics import SessionThemes, Timeline, TimelineRow

from .catalogue import Band, Measure
from .change import IMPROVED, WORSENED
from .reports import History, Point
from .scoring import Status

LABEL_FONT = 11
CHAR_WIDTH = 6.4  # a generous average width of a character at LABEL_FONT (system-ui)
LINE_HEIGHT = 13
MIN_TICK_GAP = 12  # between two score labels on the y axis
DATE_LABEL_WIDTH = 84  # "28 Sep 2026" at 11 px, with room to spare
SEVERITY_STEPS = 5  # band colour classes band-0 (least severe) .. band-4


def _n(value: float) -> str:
    """An SVG coordinate: plain decimal notation whatever the locale, at most 2 decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(day: datetime.date) -> str:
    """ "2 Mar 2026", as the pages' |date:"j M Y" writes it (Django's formatter is slow for
    the hundreds of points' titles)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _score(total: float) -> str:
    return f"{total:g}"


def severity_class(band: Band, measure: Measure) -> str:
    """band-0 .. band-4: the band's place from least to most severe, whatever the number of
    bands (PCL-5 has two, CORE-10 six)."""
    steps = len(measure.bands) - 1
    step = 0 if steps == 0 else round(band.level / steps * (SEVERITY_STEPS - 1))
    return f"band-{step}"


# --- the date axis ----------------------------------------------------------------------------


class DateScale:
    """The x of a day, linear in days between anchors (day, x) sorted by day: two anchors for a
    plain time axis, one per column for the heat strip's. Outside the anchors, the nearest
    anchor's x (callers give anchors spanning every day they draw)."""

    def __init__(self, anchors: Sequence[tuple[datetime.date, float]]):
        if not anchors:
            raise ValueError("A date scale needs at least one anchor.")
        merged: dict[datetime.date, float] = {}
        for day, x in anchors:
            merged.setdefault(day, x)  # a day with two columns: its first
        self.days = sorted(merged)
        self.xs = [merged[day] for day in self.days]
        self._ordinals = [day.toordinal() for day in self.days]

    @classmethod
    def linear(cls, first: datetime.date, last: datetime.date, x0: float, x1: float):
        """``first`` at ``x0``, ``last`` at ``x1``; a single day in the middle."""
        if first == last:
            return cls([(first, (x0 + x1) / 2)])
        return cls([(first, x0), (last, x1)])

    def x(self, day: datetime.date) -> float:
        ordinal = day.toordinal()
        index = bisect.bisect_left(self._ordinals, ordinal)
        if index < len(self._ordinals) and self._ordinals[index] == ordinal:
            return self.xs[index]
        if index == 0:
            return self.xs[0]
        if index == len(self._ordinals):
            return self.xs[-1]
        left, right = self._ordinals[index - 1], self._ordinals[index]
        share = (ordinal - left) / (right - left)
        return self.xs[index - 1] + share * (self.xs[index] - self.xs[index - 1])


# --- pieces shared by both drawings -----------------------------------------------------------


@dataclass
class ChartPoint:
    x: str
    y: str
    hollow: bool  # a prorated total
    title: str  # date, total, band, status and change, for a pointer or a screen reader
    change: str  # "worsened", "improved" or ""
    marker: str  # the ▲ / ▼ triangle's path, or ""


@dataclass
class BandArea:
    y: str
    height: str
    css: str  # band-0 .. band-4
    label: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (y, text) of its label
    abbreviation: str = ""  # when the label is shortened (the legend gives the name)


@dataclass
class Tick:
    position: str  # y on the score axis, x on the date axis
    label: str


def _y_of(measure: Measure, top: float, height: float):
    def y(score: float) -> float:
        return top + height - score / measure.max_score * height

    return y


def _band_top(measure: Measure, index: int) -> float:
    """Where a band ends on the continuous score axis: the next band's low, or the maximum."""
    bands = measure.bands
    return bands[index + 1].low if index + 1 < len(bands) else measure.max_score


def _triangle(x: float, y: float, change: str) -> str:
    """A ▲ above the point (worsened) or a ▼ below it (improved), as a path."""
    size = 5.0
    if change == WORSENED:
        tip, base = y - 15, y - 8
    else:
        tip, base = y + 15, y + 8
    return (
        f"M{_n(x)} {_n(tip)} L{_n(x - size)} {_n(base)} L{_n(x + size)} {_n(base)} Z"
        if change
        else ""
    )


CHANGE_WORDS = {
    WORSENED: "reliably worse than the previous score",
    IMPROVED: "reliably better than the previous score",
}


def point_title(measure: Measure, point: Point) -> str:
    parts = [f"{measure.short_name} {_score(point.total)} on {_day(point.date)}"]
    if point.band_label:
        parts.append(point.band_label)
    if point.status == Status.PRORATED:
        parts.append("prorated")
    if point.change_from_previous in CHANGE_WORDS:
        parts.append(CHANGE_WORDS[point.change_from_previous])
    return ", ".join(parts)


def _points(history: History, scale: DateScale, y) -> list[ChartPoint]:
    found = []
    for point in history.scored:
        x, y_value = scale.x(point.date), y(point.total)
        change = point.change_from_previous or ""
        found.append(
            ChartPoint(
                x=_n(x),
                y=_n(y_value),
                hollow=point.status == Status.PRORATED,
                title=point_title(history.measure, point),
                change=change,
                marker=_triangle(x, y_value, change),
            )
        )
    return found


def points_svg(points: list[ChartPoint], radius: str) -> SafeString:
    """The points' SVG: a circle with its title, and the change marker (▲ / ▼) if any.

    Written here rather than by a template loop: a page draws a few hundred points, and a
    template spends more on them than on the rest of the page's charts together. Only the title
    is text (the measure's name and band label), escaped as a template would; the coordinates
    and the marker's path are numbers formatted by ``_n`` and ``change`` is one of two words."""
    parts = []
    for point in points:
        title = escape(point.title)
        css = "point point-hollow" if point.hollow else "point"
        parts.append(
            f'<circle class="{css}" cx="{point.x}" cy="{point.y}"\n    r="{radius}">'
            f"<title>{title}</title></circle>"
        )
        if point.marker:
            parts.append(
                f'<path class="change change-{point.change}"\n    d="{point.marker}">'
                f"<title>{title}</title></path>"
            )
    return mark_safe("".join(parts))  # noqa: S308 (the title is escaped above)


def _polyline(points: list[ChartPoint]) -> str:
    return " ".join(f"{point.x},{point.y}" for point in points)


def _abbreviation(label: str, used: set[str]) -> str:
    """ "MTS" for "Moderate-to-severe", "Mod" for "Moderate"; a digit added when taken."""
    words = label.replace("-", " ").split()
    short = "".join(word[0].upper() for word in words) if len(words) > 1 else label[:3]
    found, number = short, 2
    while found in used:
        found, number = f"{short}{number}", number + 1
    return found


def _wrapped(label: str, chars: int) -> list[str]:
    """``label`` in lines of at most ``chars`` characters, broken at spaces; [] if a word is
    longer than a line."""
    lines: list[str] = []
    for word in label.split():
        if len(word) > chars:
            return []
        if lines and len(lines[-1]) + 1 + len(word) <= chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _band_areas(
    measure: Measure, y, *, label_chars: int, with_labels: bool = True
) -> list[BandArea]:
    areas, used = [], set()
    for index, band in enumerate(measure.bands):
        top, bottom = y(_band_top(measure, index)), y(band.low)
        height = bottom - top
        area = BandArea(
            y=_n(top), height=_n(height), css=severity_class(band, measure), label=band.label
        )
        if with_labels:
            middle = top + height / 2
            lines = _wrapped(band.label, label_chars)
            if not lines or len(lines) * LINE_HEIGHT > height:
                abbreviation = _abbreviation(band.label, used)
                used.add(abbreviation)
                area.abbreviation = abbreviation
                # Too thin even for the abbreviation: the legend alone names it.
                lines = [abbreviation] if height >= LINE_HEIGHT - 3 else []
            first = middle - (len(lines) - 1) * LINE_HEIGHT / 2 + LABEL_FONT * 0.35
            area.lines = [(_n(first + i * LINE_HEIGHT), text) for i, text in enumerate(lines)]
        areas.append(area)
    return areas


def _score_ticks(measure: Measure, y) -> list[Tick]:
    """The lowest score, each band's low and the maximum; a band's low that would touch a
    neighbouring label is left out (the lowest and the highest are always labelled)."""
    values = sorted({measure.min_score, *(band.low for band in measure.bands), measure.max_score})
    kept = [values[-1]]
    for value in reversed(values[:-1]):
        if y(value) - y(kept[-1]) < MIN_TICK_GAP:
            if value != values[0]:
                continue
            if len(kept) > 1:
                kept.pop()
        kept.append(value)
    return [Tick(_n(y(value)), _score(value)) for value in reversed(kept)]


# --- one measure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    width: int
    plot_height: int
    left: int = 40  # the score labels
    right: int = 150  # the band labels
    top: int = 22
    bottom: int = 34  # the date labels
    pad: int = 16  # inside the plot, so that no point sits on its edge


FULL = Size(width=760, plot_height=220)
COMPACT = Size(width=560, plot_height=130, right=132)


@dataclass
class MeasureChart:
    slug: str
    width: str
    height: str
    plot_x: str
    plot_y: str
    plot_width: str
    plot_height: str
    plot_end: str
    plot_bottom: str
    band_label_x: str
    score_label_x: str
    bands: list[BandArea]
    score_ticks: list[Tick]
    date_ticks: list[Tick]
    tick_end: str
    date_label_y: str
    cutoff_y: str | None
    cutoff_label: str
    cutoff_label_y: str
    line: str
    points: list[ChartPoint]
    incomplete: list[Point]  # listed under the chart, not drawn
    legend: list[tuple[str, str]]  # (abbreviation, full band name)
    aria_label: str

    @property
    def points_svg(self) -> SafeString:
        return points_svg(self.points, "4.5")


def _date_ticks(days: list[datetime.date], scale: DateScale) -> list[Tick]:
    """Labels at the measured days: the newest always, the oldest unless it would touch the
    newest, the others only where they do not touch a neighbour."""
    distinct = sorted(set(days))
    if not distinct:
        return []
    oldest, kept = distinct[0], [distinct[-1]]

    def apart(newer: datetime.date, older: datetime.date) -> bool:
        return scale.x(newer) - scale.x(older) >= DATE_LABEL_WIDTH

    for day in reversed(distinct[1:-1]):
        if apart(kept[-1], day):
            kept.append(day)
    if oldest != kept[-1]:
        if len(kept) > 1 and not apart(kept[-1], oldest):
            kept.pop()
        if apart(kept[-1], oldest):
            kept.append(oldest)
    return [Tick(_n(scale.x(day)), _day(day)) for day in reversed(kept)]


def _cutoff_label(measure: Measure) -> str:
    if measure.cutoff is None:
        return ""
    return measure.cutoff_label or f"Cut-off ({_score(measure.cutoff)})"


def measure_chart(history: History, size: Size = FULL) -> MeasureChart:
    """The chart of one measure's history (which may have no total at all: bands only)."""
    measure = history.measure
    plot_x, plot_y = size.left, size.top
    plot_width = size.width - size.left - size.right
    plot_end, plot_bottom = plot_x + plot_width, plot_y + size.plot_height
    y = _y_of(measure, plot_y, size.plot_height)
    scored = history.scored
    days = [point.date for point in scored]
    scale = (
        DateScale.linear(min(days), max(days), plot_x + size.pad, plot_end - size.pad)
        if days
        else DateScale([(datetime.date.today(), plot_x + plot_width / 2)])
    )
    label_chars = max(4, int((size.right - 12) / CHAR_WIDTH))
    bands = _band_areas(measure, y, label_chars=label_chars)
    points = _points(history, scale, y)
    cutoff_y = y(measure.cutoff) if measure.cutoff is not None else None
    latest = history.latest
    summary = (
        f"{len(scored)} score{'' if len(scored) == 1 else 's'} from {_day(days[0])} to "
        f"{_day(days[-1])}, latest {_score(latest.total)}"
        + (f" ({latest.band_label})" if latest.band_label else "")
        if scored
        else "no complete score yet"
    )
    return MeasureChart(
        slug=measure.slug,
        width=_n(size.width),
        height=_n(plot_bottom + size.bottom),
        plot_x=_n(plot_x),
        plot_y=_n(plot_y),
        plot_width=_n(plot_width),
        plot_height=_n(size.plot_height),
        plot_end=_n(plot_end),
        plot_bottom=_n(plot_bottom),
        band_label_x=_n(plot_end + 8),
        score_label_x=_n(plot_x - 6),
        bands=bands,
        score_ticks=_score_ticks(measure, y),
        date_ticks=_date_ticks(days, scale),
        tick_end=_n(plot_bottom + 4),
        date_label_y=_n(plot_bottom + 18),
        cutoff_y=_n(cutoff_y) if cutoff_y is not None else None,
        cutoff_label=_cutoff_label(measure),
        cutoff_label_y=_n(cutoff_y - 4) if cutoff_y is not None else "",
        line=_polyline(points),
        points=points,
        incomplete=[point for point in history.points if point.total is None],
        legend=[(area.abbreviation, area.label) for area in bands if area.abbreviation],
        aria_label=(
            f"{measure.short_name} (0 to {measure.max_score}, higher is worse): {summary}. "
            "The table below gives every score."
        ),
    )


# --- the measures above the heat strip ---------------------------------------------------------

PANEL_PLOT = 84  # the height of one measure's plot
PANEL_GAP = 18
PANELS_TOP = 10


@dataclass
class Panel:
    measure: Measure
    name_y: str
    range_y: str
    top: str
    bottom: str
    max_y: str
    zero_y: str
    bands: list[BandArea]
    cutoff_y: str | None
    cutoff_title: str
    line: str
    points: list[ChartPoint]

    @property
    def points_svg(self) -> SafeString:
        return points_svg(self.points, "4")


@dataclass
class CombinedChart:
    width: str
    height: str
    plot_x: str
    plot_end: str
    name_x: str
    tick_x: str
    panels: list[Panel]
    strip_y: str  # where the heat strip's own drawing starts
    strip: heatstrip.HeatStrip
    measure_only: list[tuple[str, str, str]]  # (x, width, date) of the columns without session
    strip_rows_top: str
    strip_rows_height: str
    guides: list[str]  # x of each measured day, a faint line down through the strip
    guide_top: str
    guide_bottom: str
    aria_label: str


def with_measure_days(line: Timeline, days: set[datetime.date]) -> tuple[Timeline, list[int]]:
    """The timeline with an empty column for each measured day before its first or after its
    last session (every day, when it has none), and those columns' indexes."""
    session_days = [session.date for session in line.sessions]
    if session_days:
        before = sorted(day for day in days if day < session_days[0])
        after = sorted(day for day in days if day > session_days[-1])
    else:
        before, after = sorted(days), []

    def blank(day: datetime.date) -> SessionThemes:
        return SessionThemes(None, None, day, datetime.time(0, 0), {})

    sessions = [blank(day) for day in before] + list(line.sessions) + [blank(day) for day in after]
    rows = [
        TimelineRow(
            theme=row.theme,
            sessions_touched=row.sessions_touched,
            intensities=[0] * len(before) + list(row.intensities) + [0] * len(after),
        )
        for row in line.rows
    ]
    added = list(range(len(before))) + list(range(len(before) + len(line.sessions), len(sessions)))
    return Timeline(sessions=sessions, rows=rows), added


def strip_scale(strip: heatstrip.HeatStrip, line: Timeline) -> DateScale:
    """The heat strip's date axis: each column's day at the column's centre."""
    x0, column = float(strip.plot_x), float(strip.pattern_width)
    return DateScale(
        [(session.date, x0 + (index + 0.5) * column) for index, session in enumerate(line.sessions)]
    )


def combined_chart(
    histories: list[History], line: Timeline, recurring, client_code: str
) -> CombinedChart | None:
    """The measures' lines above the heat strip, on one date axis; None without any score."""
    histories = [history for history in histories if history.scored]
    if not histories:
        return None
    days = {point.date for history in histories for point in history.scored}
    extended, added = with_measure_days(line, days)
    strip = heatstrip.svg_layout(extended, recurring, client_code)
    scale = strip_scale(strip, extended)
    plot_x, plot_end = float(strip.plot_x), float(strip.plot_end)
    panels, top = [], PANELS_TOP
    for history in histories:
        measure = history.measure
        y = _y_of(measure, top, PANEL_PLOT)
        cutoff = measure.cutoff
        points = _points(history, scale, y)
        panels.append(
            Panel(
                measure=measure,
                name_y=_n(top + PANEL_PLOT / 2),
                range_y=_n(top + PANEL_PLOT / 2 + 14),
                top=_n(top),
                bottom=_n(top + PANEL_PLOT),
                max_y=_n(top + 4),
                zero_y=_n(top + PANEL_PLOT),
                bands=_band_areas(measure, y, label_chars=0, with_labels=False),
                cutoff_y=_n(y(cutoff)) if cutoff is not None else None,
                cutoff_title=_cutoff_label(measure),
                line=_polyline(points),
                points=points,
            )
        )
        top += PANEL_PLOT + PANEL_GAP
    strip_y = top
    column = float(strip.pattern_width)
    measure_only = [
        (
            _n(plot_x + index * column),
            _n(column),
            _day(extended.sessions[index].date),
        )
        for index in added
    ]
    rows_top = heatstrip.TOP
    rows_bottom = float(strip.axis_y)
    guides = sorted({point.x for panel in panels for point in panel.points}, key=float)
    names = ", ".join(history.measure.short_name for history in histories)
    return CombinedChart(
        width=strip.width,
        height=_n(strip_y + float(strip.height)),
        plot_x=_n(plot_x),
        plot_end=_n(plot_end),
        name_x=strip.label_x,
        tick_x=_n(plot_x - 4),
        panels=panels,
        strip_y=_n(strip_y),
        strip=strip,
        measure_only=measure_only,
        strip_rows_top=_n(rows_top),
        strip_rows_height=_n(max(0.0, rows_bottom - rows_top)),
        guides=guides,
        guide_top=_n(PANELS_TOP),
        guide_bottom=_n(strip_y + rows_bottom),
        aria_label=(
            f"{names} above the theme timeline of {client_code}, on the same dates: "
            f"{len(line.sessions)} sessions, {len(days)} days with a score. "
            "The tables below give the figures."
        ),
    )
