"""The theme pages: a client's heat strip and figures, one theme's sessions with excerpts, the
caseload, and the taxonomy with a therapist's own themes (add, rename, archive, delete)."""

import datetime
import re

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from clients.models import Client
from encryption.bulk import decrypt_values
from sessions.links import Intensity
from sessions.models import FORMAT_SECTIONS, SECTION_LABELS, TherapySession

from . import analytics, heatstrip
from .forms import CustomThemeForm, DeleteThemeForm
from .models import Category, Theme

TREND_ARROWS = {"rising": "↗", "steady": "→", "fading": "↘", "new": "✦", "dormant": "·"}
CASELOAD_NAMES_PER_ROW = 8
EXCERPT_MAX_CHARS = 360


# --- one client: the heat strip and the figures ------------------------------------------------
@require_http_methods(["GET"])
def client_themes(request: HttpRequest, client_pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)
    # Shows part of the client's record (which themes their sessions touched): a view.
    log_event(action=Action.VIEW_CLIENT, request=request, obj=client, client=client)
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
            "strip": heatstrip.svg_layout(line, recurring, client.code) if line.rows else None,
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
    decrypted = decrypt_values(TherapySession, "note", ((pk, n, client.pk) for pk, _, n in stored))
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
    # Shows the client's record (excerpts of session notes): a view.
    log_event(action=Action.VIEW_CLIENT, request=request, obj=client, client=client)
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


# --- the taxonomy and a therapist's own themes -----------------------------------------------
def sessions_using(theme: Theme, therapist) -> int:
    """How many of the therapist's sessions touch the theme (links are encrypted: decrypt)."""
    sessions = TherapySession.objects.for_therapist(therapist).only("id", "themes")
    return sum(1 for session in sessions if theme.pk in session.theme_intensities())


def _own_theme(request: HttpRequest, pk: int) -> Theme:
    return get_object_or_404(Theme.objects.custom_of(request.user), pk=pk)


@require_http_methods(["GET"])
def theme_list(request: HttpRequest) -> HttpResponse:
    built_in = Theme.objects.filter(owner__isnull=True)
    groups = [
        (label, [theme for theme in built_in if theme.category == value])
        for value, label in Category.choices
    ]
    return render(
        request,
        "themes/theme_list.html",
        {
            "groups": groups,
            "custom_themes": Theme.objects.custom_of(request.user).order_by("-active", "name"),
        },
    )


@require_http_methods(["GET", "POST"])
def theme_create(request: HttpRequest) -> HttpResponse:
    form = CustomThemeForm(request.POST if request.method == "POST" else None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        theme = form.save()
        messages.success(request, f"Theme “{theme.name}” added.")
        return redirect("theme_list")
    return render(request, "themes/theme_form.html", {"form": form, "theme": None})


@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    theme = _own_theme(request, pk)
    saved_name = theme.name
    form = CustomThemeForm(
        request.POST if request.method == "POST" else None, instance=theme, owner=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Theme “{theme.name}” saved.")
        return redirect("theme_list")
    return render(
        request, "themes/theme_form.html", {"form": form, "theme": theme, "saved_name": saved_name}
    )


@require_http_methods(["GET", "POST"])
def theme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    theme = _own_theme(request, pk)
    in_use = sessions_using(theme, request.user)
    form = DeleteThemeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and in_use:
        messages.error(
            request,
            f"“{theme.name}” is used in {in_use} session{'s' if in_use != 1 else ''} and cannot "
            "be deleted. Archive it instead: it stays on those sessions and leaves the form.",
        )
        return redirect("theme_edit", pk=theme.pk)
    if request.method == "POST" and form.is_valid():
        name = theme.name
        theme.delete()
        messages.success(request, f"Theme “{name}” deleted.")
        return redirect("theme_list")
    return render(
        request,
        "themes/theme_confirm_delete.html",
        {"form": form, "theme": theme, "in_use": in_use},
    )
