"""The de-identified case summary: the names of the client and of the people the therapist
listed for them (``Client.other_names``) replaced in every piece of text the summary prints.

The client's names become the client code, a listed person's name their role in brackets
("Mark" → "[partner]"). Each part of a name is replaced on its own too ("Alice", "Canary" and
"Alice Canary" all become the code), except initials and particles such as "van", "de" or
"and", which identify nobody alone. A role is scrubbed like any text ("Noor's mother" prints
as "[C-0003's mother]").

Matching is done on a folded copy of the text and of the names, the same way for both:
compatibility forms decomposed (NFKD), accents and other combining marks dropped, case folded
("Strauß" finds "STRAUSS", "Lucia" finds "Lucía"), soft hyphens, zero-width and other
invisible format characters dropped ("N\u00adoor" finds "Noor"), typographic apostrophes and
hyphens made plain; a symbol or a punctuation mark stays as it is, a boundary ("™Zoe" is not
"tmzoe"). Each folded character remembers where it came from, so the replacement is made in
the original text, and nothing around a name changes.

A name is bounded by anything that is not a letter or a digit (an underscore, an apostrophe,
a hyphen). It may end in "s" or "es", which stay as written ("the Haddads" → "the C-0003s",
"Karims wife" → "[husband]s wife"), and so does "'s" with either apostrophe. A name of
``PREFIX_LETTERS`` or more letters is also found at the start of a longer word, and the whole
word goes ("Haddadová" → "C-0003"). A name that is also a word ("Will", "Hope", "May") is
replaced wherever the word is written: erring towards too much rather than a name left in.

Not found: a name glued to the word before it ("SamWhitfield"), a short name with an ending
other than "s"/"es" ("Zoeina"), a misspelling or a nickname nobody listed. Dates and places are
not touched: the summary is safe to share without names, not anonymous.
"""

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

from clients.forms import NAME_PARTICLES, NAME_PREFIX_LETTERS

# Alone, these parts of a name identify nobody ("van", "and"; the same list checks the roles
# typed on the client form).
PARTICLES = NAME_PARTICLES
# A listed name (or part) this long is also replaced where it starts a longer word.
PREFIX_LETTERS = NAME_PREFIX_LETTERS
# Where a folded name is cut into the parts matched on their own.
_PARTS = re.compile(r"[\s\-'.]+")
# Dropped when folding: combining marks and invisible format characters (soft hyphen,
# zero-width space and joiners, word joiner, byte-order mark, bidirectional controls).
_DROPPED = frozenset({"Mn", "Me", "Cf"})
_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
})  # fmt: skip
_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")
# Not a letter or digit (the underscore is a boundary too).
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_])"


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    category = unicodedata.category(char)
    if category in _DROPPED:
        return ""
    if category[0] in "PS":  # a boundary, whatever it decomposes to ("™" is not "tm")
        return char.translate(_PLAIN)
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold())
    return "".join(c for c in folded if unicodedata.category(c) not in _DROPPED).translate(_PLAIN)


def _fold(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the original one."""
    pieces, origins = [], []
    for run in _RUNS.finditer(text):
        chunk = run.group()
        if chunk.isascii():  # most text: folding is lower-casing, one character for one
            pieces.append(chunk.lower())
            origins.extend(range(run.start(), run.end()))
            continue
        for index, char in enumerate(chunk, run.start()):
            folded = _fold_char(char)
            pieces.append(folded)
            origins.extend([index] * len(folded))
    return "".join(pieces), origins


def fold_name(name: str) -> str:
    """A name as it is matched: folded like the text, its spacing made single."""
    return " ".join(_fold(name)[0].split())


def _parts(folded: str) -> list[str]:
    parts = [part for part in _PARTS.split(folded) if part]
    if len(parts) < 2:
        return []
    return [p for p in parts if len(p) > 1 and p not in PARTICLES]


def _alternative(folded: str) -> str:
    words = r"\s+".join(re.escape(word) for word in folded.split(" "))
    if len(folded.split(" ")[-1]) >= PREFIX_LETTERS:
        return rf"({words})[^\W_]*"
    return rf"({words})(?:e?s)?{_AFTER}"


def _by_first_character(variants: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for variant in variants:
        groups.setdefault(variant[0][0], []).append(variant)
    return list(groups.values())


class Scrubber:
    """Callable: text in, the same text with every listed name replaced."""

    def __init__(self, names: Iterable[tuple[str, str]]):
        """``names``: (name, replacement) pairs; an earlier pair wins a name given twice."""
        whole, parts = [], []
        for name, replacement in names:
            folded = fold_name(name)
            if folded:
                whole.append((folded, replacement))
            parts += [(part, replacement) for part in _parts(folded)]
        seen, variants = set(), []
        for folded, replacement in [*whole, *parts]:
            if folded not in seen:
                seen.add(folded)
                variants.append((folded, replacement))
        # The longest first: "Jean Canary" is replaced whole, before "Jean" or "Canary" alone.
        variants.sort(key=lambda item: -len(item[0]))
        # Grouped by their first character, each group behind a lookahead for it: the engine
        # then tries a few names at the start of a word, not all of them (five times faster;
        # the summary scrubs every note). Group n of the pattern is the n-th name listed.
        groups = _by_first_character(variants)
        self.replacements = [replacement for group in groups for _, replacement in group]
        alternatives = "|".join(
            f"(?={re.escape(group[0][0][0])})(?:{'|'.join(_alternative(f) for f, _ in group)})"
            for group in groups
        )
        self._pattern = re.compile(f"{_BEFORE}(?:{alternatives})") if variants else None
        self.replacements = [self._scrubbed_replacement(r) for r in self.replacements]

    def _scrubbed_replacement(self, replacement: str) -> str:
        """A role may name someone ("Noor's mother"): scrubbed too, a few rounds at most (a
        role naming a person whose role names the first never settles)."""
        for _ in range(4):
            scrubbed = self(replacement)
            if scrubbed == replacement:
                return replacement
            replacement = scrubbed
        return "[person]" if self._pattern.search(_fold(replacement)[0]) else replacement

    def __call__(self, text) -> str:
        text = str(text or "")
        if self._pattern is None or not text:
            return text
        folded, origins = _fold(text)
        pieces, done = [], 0
        for match in self._pattern.finditer(folded):
            start = max(origins[match.start()], done)  # "ß" folds to two characters
            name_end = self._after_marks(text, origins[match.end(match.lastindex) - 1] + 1)
            end = self._after_marks(text, origins[match.end() - 1] + 1)
            ending = folded[match.end(match.lastindex) : match.end()]
            kept = text[name_end:end] if ending in ("s", "es") else ""
            pieces += [text[done:start], self.replacements[match.lastindex - 1], kept]
            done = end
        pieces.append(text[done:])
        return "".join(pieces)

    @staticmethod
    def _after_marks(text: str, index: int) -> int:
        """Past the combining marks that belong to the letter before ``index``."""
        while index < len(text) and unicodedata.category(text[index]) in ("Mn", "Me"):
            index += 1
        return index


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
