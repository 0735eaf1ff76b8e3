"""The themes app's side of ``sessions.tagging`` (the therapist's themes on the session form,
suggestions and risk quotes read from a note, the badges on note pages) and of
``clients.pages`` (the client page's themes). Registered when the app is ready (apps.py), so
that neither clients nor sessions imports themes."""

from sessions.tagging import Suggestions, ThemeGroup, ThemeOption

from .analytics import SessionThemes, parse_links, theme_stats
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
    (clients.pages). The recurring themes count every session; the badges are made only for
    the sessions the page lists (the timeline is a generator: the page takes the newest)."""
    themes = theme_map(request.user)
    counts = [
        {
            "theme": themes[stat.theme_id],
            "sessions": stat.sessions_touched,
            "last_seen": stat.last_seen,
            "recurring": stat.recurring,
        }
        for stat in theme_stats(_theme_links(sessions))
        if stat.theme_id in themes
    ]
    timeline = ((session, links_for(session, themes)) for session in sessions)
    return {"timeline": timeline, "theme_counts": counts}


def _theme_links(sessions) -> list[SessionThemes]:
    """What ``analytics.load_theme_links`` reads, oldest first, from the sessions the page has
    already loaded (every session of the client, checked against the integrity ledger when
    loaded): reading and checking them a second time would find the same rows. Each note's
    theme list is decrypted once, when first read (the field keeps the value on the loaded
    session), for these and for its badges."""
    ordered = sorted(
        sessions, key=lambda session: (session.date, session.start_time, session.pk.hex)
    )
    return [
        SessionThemes(
            session.pk,
            session.client_id,
            session.date,
            session.start_time,
            *parse_links(session.themes),
        )
        for session in ordered
    ]
