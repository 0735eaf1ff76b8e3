"""Reading the encrypted theme links of sessions into something a page can show."""

from dataclasses import dataclass

from .models import Intensity, Theme


@dataclass(frozen=True)
class ThemeLink:
    theme: Theme
    intensity: int

    @property
    def intensity_label(self) -> str:
        return Intensity(self.intensity).label


def theme_map(user=None) -> dict[int, Theme]:
    """Themes by id: the built-ins and ``user``'s own (every theme when no user is given)."""
    themes = Theme.objects.all() if user is None else Theme.objects.available_to(user)
    return themes.in_bulk()


def links_for(session, themes: dict[int, Theme]) -> list[ThemeLink]:
    """The session's themes, strongest first; ids of since-deleted themes are skipped."""
    links = [
        ThemeLink(themes[theme_id], intensity)
        for theme_id, intensity in session.theme_intensities().items()
        if theme_id in themes
    ]
    return sorted(links, key=lambda link: (-link.intensity, link.theme.sort_order))
