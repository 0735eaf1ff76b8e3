"""The themes app's side of ``sessions.tagging`` (the therapist's themes on the session form,
suggestions and risk quotes read from a note, the badges on note pages) and of
``clients.pages`` (the client page's themes). Registered when the app is ready (apps.py), so
that neither clients nor sessions imports themes."""

from sessions.tagging import Suggestions, ThemeGroup, ThemeOption

from .analytics import SessionThemes, theme_stats
from .caseload_cache import cache
from .models import Category, Theme
from .suggest import suggest
from .suggest.service import risk_notices, suggestions_for
from .summary import links_for, theme_map


class ThemeTagging:
    def options(self, user, *, keep: set[int]) -> tuple[list[ThemeGroup], set[int]]:
        # Archived themes stay selectable only where the note already uses them.
        available = list(Theme.objects.available_to(user))
        by_category: dict[str, list[ThemeOption]] = {}
        for theme in available:
            if theme.active or theme.pk in keep:
                option = ThemeOption(theme.pk, theme.name, theme.description)
                by_category.setdefault(theme.category, []).append(option)
        groups = [
            ThemeGroup(label, by_category[value])
            for value, label in Category.choices
            if value in by_category
        ]
        return groups, {theme.pk for theme in available}

    def current_risk_phrases(self, text: str, *, plan: str) -> list[str]:
        # Only current risk is quoted: a documented denial or history needs a level too, but
        # saying "risk noticed" about it would be a false alarm.
        flags = suggest(text, plan=plan).risk
        return [phrase for flag in flags if flag.current for phrase in flag.evidence]

    def suggestions(self, text: str, *, user, client, plan: str, exclude_ids) -> Suggestions:
        themes, flags = suggestions_for(
            text, user, plan=plan, client=client, exclude_ids=exclude_ids
        )
        return Suggestions(themes, risk_notices(flags))

    def shown(self, sessions, user) -> list:
        themes = theme_map(user)
        return [links_for(session, themes) for session in sessions]


def client_page_themes(request, *, client, sessions) -> dict:
    """The client page's theme badges per session and the client's themes over time
    (clients.pages). The recurring themes count every session of the client, from the
    caseload cache (their theme lists decrypted and checked against the ledger when the cache
    last read them; read again when the client's notes change): the page itself loads only the
    sessions it lists, for which the badges are made (the timeline is a generator)."""
    themes = theme_map(request.user)
    counts = [
        {
            "theme": themes[stat.theme_id],
            "sessions": stat.sessions_touched,
            "last_seen": stat.last_seen,
            "recurring": stat.recurring,
        }
        for stat in theme_stats(_every_session(request.user, client))
        if stat.theme_id in themes
    ]
    timeline = ((session, links_for(session, themes)) for session in sessions)
    return {"timeline": timeline, "theme_counts": counts}


def _every_session(therapist, client) -> list[SessionThemes]:
    """Which themes each of the client's sessions touched, oldest first. The cache keeps theme
    ids, not intensities: each counts as 1, which is all the page's figures read (sessions
    touched, last seen, recurring; the trend, which weighs intensities, is not shown here)."""
    dates, theme_ids = cache.client_sessions(therapist, client.pk)
    return [
        SessionThemes(None, client.pk, day, None, dict.fromkeys(ids, 1))
        for day, ids in zip(dates, theme_ids, strict=True)
    ]
