"""Loads the theme taxonomy, the cue lexicon, the risk cues and the shared word lists from
``themes/data/*.toml``, and checks their shape. The data is written in this project's own words.

- ``themes.toml``: one table per built-in theme, in display order: name, category, description,
  ``client_state`` (the theme is about the client's present state, so a mention in the past or
  about someone else does not count) and cue patterns by strength (``strong``, ``medium``,
  ``weak``).
- ``risk.toml``: one table per kind of risk: label, the theme a current mention suggests, cues.
- ``words.toml``: fragments (named alternatives used in cues as ``{NAME}``) and the word lists
  the scopes use: negation, history, hypothetical, questions, other people, spelling fixes.

Cue pattern language, one token per space-separated item (themes/suggest/patterns.py):

    word          the word and its regular inflections (please: pleases, pleased, pleasing;
                  panic: panics, panicked, panicking; -ise and -ize spellings both match)
    =word         that exact form only
    word*         any word starting with "word" (dismiss*: dismissed, dismissive, dismissal)
    a|b|c         any of the alternatives; (a|b) reads the same; a_b is the phrase "a b"
    item?         optional
    ~N            up to N other tokens in between, within one clause
    NEG           any negation word (no, not, never, can't, ...), when the negation is part of
                  the meaning: "NEG ~1 say no" (can't say no). It opens no scope of its own.
    SI            a word in capitals (two letters or more) matches only when written in capitals

A file that does not parse or has a wrong shape raises ``LexiconError`` naming the file and the
entry; ``themes.apps`` turns that into one line at start-up.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
WEIGHTS = {"strong": 1.0, "medium": 0.6, "weak": 0.4}
CATEGORIES = (
    "attachment",
    "self_concept",
    "relational",
    "coping",
    "affect",
    "risk",
    "health",
    "life_areas",
    "therapy_process",
)
THEME_KEYS = {"name", "category", "description", "client_state", *WEIGHTS}
RISK_KEYS = {"label", "theme", "cues"}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRAGMENT = re.compile(r"\{([A-Z_]+)\}")

# Word lists every words.toml must have (each a list of lower-case words or two-word phrases).
WORD_LISTS = (
    "negation",
    "negation_pairs",
    "pseudo_negations",
    "scope_breakers",
    "clause_words",
    "post_negation",
    "post_negation_skip",
    "clause_openers",
    "not_predicates",
    "history",
    "history_after",
    "time",
    "current",
    "client",
    "other_people",
    "hypothetical",
    "hypothetical_after",
    "safety_plan",
    "assessment",
    "not_cues",
    "speech_verbs",
    "measures",
    "moving_past",
    "history_before",
    "recent_units",
    "male_people",
    "female_people",
)
# Lists of cue patterns rather than words: "in her twenties", "will ring", "PHQ-9".
PATTERN_LISTS = frozenset(
    {"history_after", "history_before", "hypothetical_after", "safety_plan", "not_cues", "measures"}
)


class LexiconError(ValueError):
    """A data file is missing, does not parse, or has an entry of the wrong shape."""


@dataclass(frozen=True)
class ThemeEntry:
    slug: str
    name: str
    category: str
    description: str
    client_state: bool
    cues: tuple[tuple[str, float], ...]  # (pattern with fragments expanded, weight)


@dataclass(frozen=True)
class RiskKind:
    kind: str
    label: str
    theme: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Words:
    lists: dict[str, frozenset[str]]
    pairs: dict[str, frozenset[tuple[str, str]]]
    patterns: dict[str, tuple[str, ...]]  # lists of cue patterns (history_after, ...)
    spelling: dict[str, str]
    irregular: dict[str, tuple[str, ...]]
    fragments: dict[str, str]

    def __post_init__(self):
        # words.negation, words.history, ...: each list is also an attribute (read per token).
        for name, items in self.lists.items():
            object.__setattr__(self, name, items)


@dataclass(frozen=True)
class Lexicon:
    themes: dict[str, ThemeEntry]
    risk: dict[str, RiskKind]
    words: Words

    @cached_property
    def client_state_themes(self) -> frozenset[str]:
        return frozenset(slug for slug, entry in self.themes.items() if entry.client_state)

    def risk_theme(self, kind: str) -> str:
        return self.risk[kind].theme


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise LexiconError(f"{path.name}: file missing ({path})") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path.name}: not valid TOML: {exc}") from None


def _strings(value, where: str, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise LexiconError(f"{where} must not be empty")
    return value


def _expand(pattern: str, fragments: dict[str, str], where: str) -> str:
    for _ in range(10):  # fragments may use fragments; ten levels is far more than needed
        names = _FRAGMENT.findall(pattern)
        if not names:
            return pattern
        for name in names:
            if name not in fragments:
                raise LexiconError(f"{where}: unknown fragment {{{name}}} in {pattern!r}")
        pattern = _FRAGMENT.sub(lambda m: fragments[m[1]], pattern)
    raise LexiconError(f"{where}: fragments refer to each other in a loop")


def _load_words(path: Path) -> Words:
    data = _read(path)
    name = path.name
    unknown = set(data) - {"fragments", "lists", "spelling", "irregular"}
    if unknown:
        raise LexiconError(f"{name}: unknown table(s) {sorted(unknown)}")
    fragments = data.get("fragments", {})
    for key, value in fragments.items():
        if not re.fullmatch(r"[A-Z_]+", key) or not isinstance(value, str) or not value:
            raise LexiconError(f'{name}: fragment {key!r} must be NAME = "a|b|c"')
    fragments = {k: _expand(v, fragments, f"{name} [fragments] {k}") for k, v in fragments.items()}
    raw_lists = data.get("lists", {})
    missing = [key for key in WORD_LISTS if key not in raw_lists]
    if missing:
        raise LexiconError(f"{name}: [lists] lacks {', '.join(missing)}")
    unknown = set(raw_lists) - set(WORD_LISTS)
    if unknown:
        raise LexiconError(f"{name}: [lists] has unknown list(s) {sorted(unknown)}")
    lists, pairs, patterns = {}, {}, {}
    for key in WORD_LISTS:
        items = _strings(raw_lists[key], f"{name} [lists] {key}")
        if key in PATTERN_LISTS:
            patterns[key] = tuple(_expand(p, fragments, f"{name} {key}") for p in items)
            continue
        for item in items:
            if item != item.lower():
                raise LexiconError(f"{name} [lists] {key}: {item!r} must be lower case")
        if key.endswith("pairs") or key == "pseudo_negations":
            if any(len(item.split()) != 2 for item in items):
                raise LexiconError(f"{name} [lists] {key}: every entry must be two words")
            pairs[key] = frozenset(tuple(item.split()) for item in items)
        else:
            lists[key] = frozenset(items)
    spelling = data.get("spelling", {})
    if not all(isinstance(v, str) for v in spelling.values()):
        raise LexiconError(f"{name}: [spelling] maps a word to a word")
    irregular = {}
    for key, forms in data.get("irregular", {}).items():
        irregular[key] = tuple(_strings(forms, f"{name} [irregular] {key}"))
    return Words(lists, pairs, patterns, dict(spelling), irregular, fragments)


def _load_themes(path: Path, fragments: dict[str, str]) -> dict[str, ThemeEntry]:
    data = _read(path)
    themes = {}
    for slug, table in data.items():
        where = f"{path.name} [{slug}]"
        if not _SLUG.match(slug) or len(slug) > 60:
            raise LexiconError(f"{where}: a slug is lower-case words joined by hyphens")
        if not isinstance(table, dict):
            raise LexiconError(f"{where}: must be a table")
        unknown = set(table) - THEME_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown key(s) {sorted(unknown)}")
        for key, most in (("name", 80), ("description", 240)):
            value = table.get(key)
            if not isinstance(value, str) or not value.strip() or len(value) > most:
                raise LexiconError(f"{where}: {key} must be text of 1 to {most} characters")
        if table.get("category") not in CATEGORIES:
            raise LexiconError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
        client_state = table.get("client_state", False)
        if not isinstance(client_state, bool):
            raise LexiconError(f"{where}: client_state must be true or false")
        cues = []
        for strength, weight in WEIGHTS.items():
            for pattern in _strings(
                table.get(strength, []), f"{where} {strength}", allow_empty=True
            ):
                cues.append((_expand(pattern, fragments, where), weight))
        themes[slug] = ThemeEntry(
            slug,
            table["name"],
            table["category"],
            table["description"],
            client_state,
            tuple(cues),
        )
    if not themes:
        raise LexiconError(f"{path.name}: no themes")
    return themes


def _load_risk(path: Path, fragments: dict[str, str], themes: dict) -> dict[str, RiskKind]:
    data = _read(path)
    kinds = {}
    for kind, table in data.items():
        where = f"{path.name} [{kind}]"
        if not re.fullmatch(r"[a-z_]+", kind) or not isinstance(table, dict):
            raise LexiconError(f"{where}: a kind is a lower-case name with a table")
        unknown = set(table) - RISK_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown key(s) {sorted(unknown)}")
        if not isinstance(table.get("label"), str) or not table["label"].strip():
            raise LexiconError(f"{where}: label must be text")
        theme = table.get("theme", "")
        if theme not in themes:
            raise LexiconError(f"{where}: theme {theme!r} is not in themes.toml")
        cues = _strings(table.get("cues"), f"{where} cues")
        kinds[kind] = RiskKind(
            kind, table["label"], theme, tuple(_expand(c, fragments, where) for c in cues)
        )
    return kinds


def load(data_dir: Path | None = None) -> Lexicon:
    """The lexicon from the data files (read once per process)."""
    return _load(data_dir or DATA_DIR)


@cache
def _load(data_dir: Path) -> Lexicon:
    words = _load_words(data_dir / "words.toml")
    themes = _load_themes(data_dir / "themes.toml", words.fragments)
    risk = _load_risk(data_dir / "risk.toml", words.fragments, themes)
    unreachable = [
        slug
        for slug, entry in themes.items()
        if not entry.cues and slug not in {kind.theme for kind in risk.values()}
    ]
    if unreachable:
        raise LexiconError(f"themes.toml: no cue reaches {', '.join(unreachable)}")
    return Lexicon(themes, risk, words)


def words() -> Words:
    return load().words


def duplicate_cues(lexicon: Lexicon | None = None) -> list[tuple[str, str, str]]:
    """(pattern, first theme, second theme) for each cue written under two themes."""
    lexicon = lexicon or load()
    seen: dict[str, str] = {}
    found = []
    for slug, entry in lexicon.themes.items():
        for pattern, _ in entry.cues:
            if pattern in seen and seen[pattern] != slug:
                found.append((pattern, seen[pattern], slug))
            seen.setdefault(pattern, slug)
    return found
