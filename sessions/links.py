"""A note's link to a theme, as the note stores it (encrypted, in ``TherapySession.themes``).

The one type for it: every reader and writer goes through ``ThemeLink`` rather than building
or reading the stored dicts by hand. The stored form never changes shape, because a signed
note's seal covers it: ``{"theme": id, "intensity": 1-3}`` plus ``"evidence"`` only when a
suggestion was accepted with the phrase that suggested it.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models


class Intensity(models.IntegerChoices):
    MENTIONED = 1, "Mentioned"
    EXPLORED = 2, "Explored"
    CENTRAL = 3, "Central"


@dataclass(frozen=True)
class ThemeLink:
    theme_id: int
    intensity: int
    evidence: str = ""

    @classmethod
    def from_stored(cls, value: dict) -> "ThemeLink":
        return cls(int(value["theme"]), int(value["intensity"]), value.get("evidence") or "")

    def stored(self) -> dict:
        value = {"theme": self.theme_id, "intensity": self.intensity}
        if self.evidence:
            value["evidence"] = self.evidence
        return value

    @property
    def intensity_label(self) -> str:
        return Intensity(self.intensity).label


def read_links(stored: Iterable[dict] | None) -> list[ThemeLink]:
    return [ThemeLink.from_stored(value) for value in stored or ()]


def stored_links(links: Iterable[ThemeLink]) -> list[dict]:
    return [link.stored() for link in links]


# A note never has more dismissals than the taxonomy has themes; this bounds what is parsed.
MAX_THEME_IDS = 1000


def parse_theme_ids(value: str) -> list[int]:
    """Theme ids from a form's hidden list ("12 40 7"), in order, without repeats; anything
    that is not an id is dropped (the list is written by the page script, not typed)."""
    words = str(value).split()[:MAX_THEME_IDS]
    ids = (int(w) for w in words if w.isascii() and w.isdecimal() and len(w) <= 10)
    return list(dict.fromkeys(pk for pk in ids if 0 < pk < 2**31))
