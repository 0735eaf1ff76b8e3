"""Reading the encrypted theme links of sessions into something a page can show."""

from sessions.tagging import ShownTheme

from .models import Theme


def theme_map(user=None) -> dict[int, Theme]:
    """Themes by id: the built-ins and ``user``'s own (every theme when no user is given)."""
    themes = Theme.objects.all() if user is None else Theme.objects.available_to(user)
    return themes.in_bulk()


def links_for(session, themes: dict[int, Theme]) -> list[ShownTheme]:
    """The session's themes, strongest first; ids of since-deleted themes are skipped."""
    # One badge per theme, the last link winning, as theme_intensities() reads them.
    unique = {link.theme_id: link for link in session.theme_links()}
    links = [ShownTheme(themes[pk], link) for pk, link in unique.items() if pk in themes]
    return sorted(links, key=lambda shown: (-shown.intensity, shown.theme.sort_order))
