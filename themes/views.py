import datetime
import math
import re
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_http_methods

from clients.models import Client
from sessions.models import FORMAT_SECTIONS, SECTION_LABELS, TherapySession

from . import analytics
from .models import Category, Intensity, Theme

# The heat strip: none / mentioned / explored / central.
FILLS = {0: "#f1f3f5", 1: "#c8d6e8", 2: "#6f95c9", 3: "#1f4e8c"}
LABEL_WIDTH = 320
PLOT_TARGET_WIDTH = 760  # many sessions share it; few sessions get MAX_COLUMN each
MAX_COLUMN, MIN_COLUMN = 36.0, 2.0
ROW_HEIGHT, CATEGORY_GAP, TOP, BOTTOM = 20, 8, 34, 74
LABEL_CHARS = 42  # longer theme names are cut, with the full name as a tooltip
LEGEND_STEP = 92
TICK_SPACING = 18  # user units between date labels at the least
TREND_ARROWS = {"rising": "↗", "steady": "→", "fading": "↘", "new": "✦", "dormant": "·"}
CASELOAD_NAMES_PER_ROW = 8
EXCERPT_MAX_CHARS = 360


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


def heat_strip(line: analytics.Timeline, recurring: set[int], client: Client) -> HeatStrip:
    """Geometry of the SVG heat strip: one column per session (oldest left), one row per theme.

    Only touched cells are drawn one by one; the untouched ones are a background pattern, so a
    300-session client costs about as many elements as the themes recorded.
    """
    count = max(1, len(line.sessions))
    column = round(min(MAX_COLUMN, max(MIN_COLUMN, PLOT_TARGET_WIDTH / count)), 2)
    gap = 2.0 if column >= 10 else 1.0 if column >= 5 else 0.0
    dates = [format_date(s.date, "j M Y") for s in line.sessions]
    xs = [_n(LABEL_WIDTH + index * column + gap / 2) for index in range(count)]
    levels = {level: Intensity(level).label.lower() for level in Intensity.values}
    rows, y, category = [], TOP, None
    for row in line.rows:
        if category is not None and row.theme.category != category:
            y += CATEGORY_GAP
        category = row.theme.category
        name = row.theme.name
        cells = [
            StripCell(xs[index], FILLS[level], f"{name}, {dates[index]}: {levels[level]}")
            for index, level in enumerate(row.intensities)
            if level
        ]
        label = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        recurs = row.theme.pk in recurring
        rows.append(
            StripRow(label, name, recurs, _n(y + 1), _n(y + 14), _n(y + ROW_HEIGHT / 2), cells)
        )
        y += ROW_HEIGHT
    step = math.ceil(TICK_SPACING / column)
    ticks = [
        (_n(LABEL_WIDTH + (index + 0.5) * column), _n(y + 12), dates[index])
        for index in range(len(line.sessions) - 1, -1, -step)  # the newest is always labelled
    ]
    legend_items = [(0, "none"), *levels.items()]
    legend = [
        (_n(8 + i * LEGEND_STEP), _n(8 + i * LEGEND_STEP + 16), FILLS[level], label)
        for i, (level, label) in enumerate(legend_items)
    ]
    legend_end = 8 + len(legend_items) * LEGEND_STEP
    recurring_names = [row.name for row in rows if row.recurring]
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
        rows=rows,
        axis_y=_n(y + 2),
        tick_end=_n(y + 6),
        plot_end=_n(LABEL_WIDTH + plot_width),
        ticks=ticks,
        legend=legend,
        legend_marker_x=_n(legend_end + 6),
        legend_marker_text_x=_n(legend_end + 14),
        aria_label=(
            f"Theme timeline for {client.code}: {len(line.sessions)} sessions from "
            f"{dates[0]} to {dates[-1]}, {len(rows)} themes. Recurring: "
            f"{', '.join(recurring_names) or 'none'}. The table below gives the figures."
        ),
    )


@require_http_methods(["GET"])
def client_themes(request: HttpRequest, client_pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)
    # audit: shows part of the client's record (which themes their sessions touched).
    sessions = analytics.load_theme_links(TherapySession.objects.filter(client=client))
    themes = Theme.objects.available_to(request.user).in_bulk()
    stats = [s for s in analytics.theme_stats(sessions) if s.theme_id in themes]
    line = analytics.timeline(sessions, themes)
    recurring = {s.theme_id for s in stats if s.recurring}
    rows = [
        {
            "theme": themes[s.theme_id],
            "stat": s,
            "share_percent": round(s.share * 100),
            "arrow": TREND_ARROWS[s.trend],
            "co_occurring": [(themes[t], n) for t, n in s.co_occurring if t in themes],
        }
        for s in stats
    ]
    return render(
        request,
        "themes/client_themes.html",
        {
            "client": client,
            "session_total": len(sessions),
            "strip": heat_strip(line, recurring, client) if line.rows else None,
            "rows": rows,
            "rule": _rule_context(),
        },
    )


# --- one theme of one client: the sessions and what was said ---------------------------------
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Words under four letters are skipped anyway.
_STOPWORDS = frozenset(
    {"about", "after", "been", "being", "from", "into", "more", "most", "others", "that"}
    | {"their", "them", "they", "this", "those", "when", "which", "with", "what", "own"}
)


def _stems(text: str) -> set[str]:
    """Lower-cased words of four letters or more, cut to five letters (a crude stemmer)."""
    return {
        word[:5]
        for word in _WORD.findall(text.casefold())
        if len(word) >= 4 and word not in _STOPWORDS
    }


def derive_excerpt(note: dict, note_format: str, theme: Theme) -> tuple[str, str]:
    """(section label, excerpt): the note's sentences that best match the theme.

    A sentence scores 2 for each distinct word it shares with the theme's name and 1 for each
    it shares with the theme's description (words compared on their first five letters). The
    best sentence is kept, and the next best too while the excerpt stays short. ("", "") when
    nothing matches.
    """
    name_words = _stems(theme.name)
    description_words = _stems(theme.description) - name_words
    scored = []
    for key in FORMAT_SECTIONS.get(note_format, list(note)):
        for position, sentence in enumerate(_SENTENCE_END.split(note.get(key) or "")):
            words = _stems(sentence)
            score = 2 * len(words & name_words) + len(words & description_words)
            if score:
                scored.append((-score, key, position, sentence.strip()))
    if not scored:
        return "", ""
    scored.sort()
    _, key, position, excerpt = scored[0]
    for _, other_key, other_position, sentence in scored[1:2]:
        if other_key == key and len(excerpt) + len(sentence) < EXCERPT_MAX_CHARS:
            parts = sorted([(position, excerpt), (other_position, sentence)])
            excerpt = " … ".join(text for _, text in parts)
    if len(excerpt) > EXCERPT_MAX_CHARS:
        excerpt = excerpt[: EXCERPT_MAX_CHARS - 1].rstrip() + "…"
    return SECTION_LABELS.get(key, key), excerpt


def _entries(client: Client, theme: Theme, touched: list[analytics.SessionThemes]) -> list[dict]:
    """What the theme's page shows per session: intensity, and the evidence or an excerpt."""
    needs_note = [s.session_id for s in touched if theme.pk not in s.evidence]
    # An empty pk__in list sends no query at all.
    notes_of = TherapySession.objects.filter(client=client, pk__in=needs_note)
    stored = list(notes_of.values_list("id", "note_format", "note"))
    decrypted = analytics.decrypt_values(TherapySession, "note", ((pk, n) for pk, _, n in stored))
    notes = {pk: (fmt, note) for (pk, fmt, _), note in zip(stored, decrypted, strict=True)}
    entries = []
    for session in touched:
        if theme.pk in session.evidence:
            source, excerpt = "Evidence recorded with the theme", session.evidence[theme.pk]
        else:
            note_format, note = notes[session.session_id]
            section, excerpt = derive_excerpt(note, note_format, theme)
            source = f"From the note ({section})" if excerpt else ""
        level = session.intensities[theme.pk]
        entries.append(
            {
                "session": session,
                "intensity": level,
                "intensity_label": Intensity(level).label,
                "source": source,
                "excerpt": excerpt,
            }
        )
    return entries


@require_http_methods(["GET"])
def client_theme_sessions(request: HttpRequest, client_pk, slug: str) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)
    theme = get_object_or_404(Theme.objects.available_to(request.user), slug=slug)
    # audit: shows the client's record (excerpts of session notes).
    sessions = analytics.load_theme_links(TherapySession.objects.filter(client=client))
    stat = next((s for s in analytics.theme_stats(sessions) if s.theme_id == theme.pk), None)
    touched = [s for s in reversed(sessions) if theme.pk in s.intensities]
    return render(
        request,
        "themes/client_theme_sessions.html",
        {
            "client": client,
            "theme": theme,
            "stat": stat,
            "arrow": TREND_ARROWS[stat.trend] if stat else "",
            "session_total": len(sessions),
            "entries": _entries(client, theme, touched),
            "rule": _rule_context(),
        },
    )


# --- the caseload ----------------------------------------------------------------------------
def _year_ago(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class CaseloadFilterForm(forms.Form):
    category = forms.ChoiceField(
        choices=[("", "All categories"), *Category.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date_from = forms.DateField(required=False, label="From", widget=_date_input())
    date_to = forms.DateField(required=False, label="To", widget=_date_input())
    theme = forms.SlugField(required=False, max_length=60, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned


@require_http_methods(["GET"])
def theme_caseload(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    defaults = {"category": "", "date_from": _year_ago(today), "date_to": today, "theme": ""}
    data = request.GET.copy()
    for key in ("date_from", "date_to"):  # an empty date means the default one, shown as such
        if not data.get(key):
            data[key] = defaults[key].isoformat()
    form = CaseloadFilterForm(data)
    chosen, problems = dict(defaults), []
    if form.is_valid():
        chosen.update({key: value for key, value in form.cleaned_data.items() if value})
    else:
        for name, errors in form.errors.items():
            label = "" if name == "__all__" else f"{form.fields[name].label or name.title()}: "
            problems.append(label + " ".join(errors))
    rows = analytics.caseload(
        request.user,
        category=chosen["category"] or None,
        theme_slug=chosen["theme"] or None,
        date_from=chosen["date_from"],
        date_to=chosen["date_to"],
        names_per_row=None if chosen["theme"] else CASELOAD_NAMES_PER_ROW,
    )
    limit = None if chosen["theme"] else CASELOAD_NAMES_PER_ROW
    table = []
    for row in rows:
        shown = row.clients[:limit]
        table.append({"row": row, "shown": shown, "more": len(row.clients) - len(shown)})
    return render(
        request,
        "themes/theme_caseload.html",
        {
            "form": form,
            "chosen": chosen,
            "filtered": bool(request.GET),
            "problems": problems,
            "table": table,
            "rule": _rule_context(),
        },
    )


def _rule_context() -> dict:
    return {
        "min_sessions": analytics.RECURRING_MIN_SESSIONS,
        "window": analytics.RECURRING_WINDOW,
        "share": round(analytics.RECURRING_MIN_SHARE * 100),
        "trend_window": analytics.TREND_WINDOW,
    }
