"""The de-identified case summary: the names of the client and of the people the therapist
listed for them (``Client.other_names``) replaced in every piece of text the summary prints.

The client's names become the client code, a listed person's name their role in brackets
("Mark" → "[partner]"). Matching is whole-word and ignores case and accents ("zoe" finds
"Zoë"); a possessive keeps its ending ("Mark's" → "[partner]'s"). Each part of a name is
replaced on its own too ("Alice", "Canary" and "Alice Canary" all become the code), except
initials and particles such as "van" or "de", which identify nobody alone.

A name that is also a word ("Will", "Hope", "May") is replaced wherever the word is written:
erring towards too much rather than a name left in. Dates and places are not touched: the
summary is safe to share without names, not anonymous.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable

# Alone, these parts of a name identify nobody (and are words of their own in many languages).
PARTICLES = frozenset({
    "al", "bin", "da", "das", "de", "del", "della", "der", "di", "do", "dos", "du", "el", "ibn",
    "la", "le", "st", "ten", "ter", "van", "von", "zu",
})  # fmt: skip
# Where a name is cut into the parts matched on their own.
_PARTS = re.compile(r"[\s\-\u2010\u2011'\u2019.]+")


def _fold(text: str) -> str:
    """Without accents (case kept): the spelling of a name typed on a keyboard without them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _spellings(name: str) -> list[str]:
    name = " ".join(unicodedata.normalize("NFC", name).split())
    return list(dict.fromkeys(s for s in (name, _fold(name)) if s))


def _parts(name: str) -> list[str]:
    parts = [part for part in _PARTS.split(name) if part]
    if len(parts) < 2:
        return []
    return [p for p in parts if len(p) > 1 and p.casefold() not in PARTICLES]


class Scrubber:
    """Callable: text in, the same text with every listed name replaced."""

    def __init__(self, names: Iterable[tuple[str, str]]):
        """``names``: (name, replacement) pairs; an earlier pair wins a name given twice."""
        whole, parts = [], []
        for name, replacement in names:
            whole += [(spelling, replacement) for spelling in _spellings(name)]
            for part in _parts(name):
                parts += [(spelling, replacement) for spelling in _spellings(part)]
        seen, variants = set(), []
        for spelling, replacement in [*whole, *parts]:
            if spelling.casefold() not in seen:
                seen.add(spelling.casefold())
                variants.append((spelling, replacement))
        # The longest first: "Jean Canary" is replaced whole, before "Jean" or "Canary" alone.
        variants.sort(key=lambda item: -len(item[0]))
        self.replacements = [replacement for _, replacement in variants]
        alternatives = (
            "(" + r"\s+".join(re.escape(word) for word in spelling.split(" ")) + ")"
            for spelling, _ in variants
        )
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
            if variants
            else None
        )

    def __call__(self, text) -> str:
        text = str(text or "")
        if self._pattern is None or not text:
            return text
        # NFC first: a name typed with combining accents matches the stored one.
        return self._pattern.sub(self._replace, unicodedata.normalize("NFC", text))

    def _replace(self, match: re.Match) -> str:
        return self.replacements[match.lastindex - 1]


def client_names(client) -> list[tuple[str, str]]:
    """(name, replacement) for the client and for each person listed on their record."""
    names = [(client.full_name, client.code), (client.preferred_name, client.code)]
    names += [(entry["name"], f"[{entry['role']}]") for entry in client.other_names or ()]
    return [(name, replacement) for name, replacement in names if name and name.strip()]


def scrubber_for(client) -> Scrubber:
    return Scrubber(client_names(client))


def keep(text) -> str:
    """The text as it is: the scrubber of a summary that is not de-identified."""
    return str(text or "")


Scrub = Callable[[object], str]


class _Renamed:
    """A theme with its name de-identified (a therapist's own theme may name someone)."""

    def __init__(self, theme, name: str):
        self._theme = theme
        self.name = name

    def __getattr__(self, attribute):
        return getattr(self._theme, attribute)


def renamed_themes(themes: dict, scrub: Scrub) -> dict:
    return {pk: _Renamed(theme, scrub(theme.name)) for pk, theme in themes.items()}
