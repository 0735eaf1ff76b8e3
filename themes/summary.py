"""Reading the encrypted theme links of sessions into something a page can show."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from .models import Intensity, Theme


@dataclass(frozen=True)
class ThemeLink:
    theme: Theme
    intensity: int

    @property
    def intensity_label(self) -> str:
        return Intensity(self.intensity).label


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    sessions: int
    last_seen: date


def theme_map() -> dict[int, Theme]:
    return Theme.objects.in_bulk()


def links_for(session, themes: dict[int, Theme]) -> list[ThemeLink]:
    """The session's themes, strongest first; ids of since-deleted themes are skipped."""
    links = [
        ThemeLink(themes[theme_id], intensity)
        for theme_id, intensity in session.theme_intensities().items()
        if theme_id in themes
    ]
    return sorted(links, key=lambda link: (-link.intensity, link.theme.sort_order))


def count_themes(sessions, themes: dict[int, Theme]) -> list[ThemeCount]:
    """How many of these sessions touched each theme, most frequent first."""
    counts: Counter[int] = Counter()
    last_seen: dict[int, date] = {}
    for session in sessions:
        for theme_id in session.theme_intensities():
            if theme_id not in themes:
                continue
            counts[theme_id] += 1
            if theme_id not in last_seen or session.date > last_seen[theme_id]:
                last_seen[theme_id] = session.date
    return [
        ThemeCount(themes[theme_id], count, last_seen[theme_id])
        for theme_id, count in sorted(
            counts.items(), key=lambda item: (-item[1], themes[item[0]].sort_order)
        )
    ]
