"""Theme suggestions and risk flags from note text: a local, transparent lexicon matcher.

Pure Python, deterministic, no database, network or model needed. The cues and the small word
lists live in ``themes/lexicon.py``; this module tokenises a note, finds the cues, and decides
which matches count. Nothing here stores anything: the therapist accepts or dismisses.

Rules (docs/theme-suggestions.md has the long form):
- A cue inside a negation scope does not count. A scope opens at a negation word ("no", "not",
  "denies", "never", "without", a word ending in n't, ...) and runs over the following words
  until a clause boundary (. ; : ! ? a dash, a line break, "but", "however", ...), a new clause
  (", she ...", "reports", ...) or MAX_SCOPE words. A negation word that is itself part of a
  matched cue ("can't say no", "not good enough") opens no scope. A cue followed by "denied",
  "none", "nil", "negative", "absent" or "not reported" is negated too ("SI: denied").
- Client-state themes (lexicon.CLIENT_STATE_THEMES: substance use, mood, risk, ...) count only
  for the client, now: not under a history marker ("history of", "previously", "used to",
  "... years ago", "as a teenager") unless a current marker ("again", "this week") is near,
  and not when another person is the subject ("her brother drinks", "his father's drinking").
  Themes about the past by nature (attachment, trauma, domestic violence, ...) keep both.
- A theme is suggested when the summed weight of its distinct matched cues reaches THRESHOLD.
- Risk language always yields a flag, marked negated or historical; only current, un-negated
  self-harm or suicidal language also suggests the matching theme.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from . import lexicon
from .taxonomy import BUILT_IN_THEMES

THRESHOLD = 1.0  # summed cue weight a theme needs: one strong phrase, or several weaker cues
SCORE_CAP = 2.0  # summed weight that maps to score 1.0
MAX_SCOPE = 10  # words a negation or history marker reaches forward
POST_WINDOW = 6  # tokens after a match searched for "... years ago", "... denied"
PERSON_LOOKBACK = 8  # tokens before a match searched for its subject


@dataclass(frozen=True)
class ThemeSuggestion:
    slug: str
    name: str
    category: str
    score: float
    evidence: list[str]


@dataclass(frozen=True)
class RiskFlag:
    kind: str
    evidence: list[str]
    negated: bool
    historical: bool

    @property
    def label(self) -> str:
        return lexicon.RISK_LABELS[self.kind]

    @property
    def current(self) -> bool:
        return not (self.negated or self.historical)


@dataclass(frozen=True)
class Suggestions:
    themes: list[ThemeSuggestion]
    risk: list[RiskFlag]

    def as_dict(self) -> dict:
        """The JSON shape of ``manage.py suggest_themes``."""
        return {
            "themes": [
                {
                    "theme": theme.slug,
                    "name": theme.name,
                    "category": theme.category,
                    "score": theme.score,
                    "evidence": list(theme.evidence),
                }
                for theme in self.themes
            ],
            "risk": [
                {
                    "kind": flag.kind,
                    "evidence": list(flag.evidence),
                    "negated": flag.negated,
                    "historical": flag.historical,
                }
                for flag in self.risk
            ],
        }


def built_in_catalogue() -> dict[str, tuple[str, str]]:
    return {slug: (name, category) for slug, name, category, _ in BUILT_IN_THEMES}


def catalogue(themes: Iterable) -> dict[str, tuple[str, str]]:
    """slug -> (name, category) of Theme rows, e.g. ``catalogue(Theme.objects.active())``."""
    return {theme.slug: (theme.name, theme.category) for theme in themes}


def suggest(text: str, themes: Mapping[str, tuple[str, str]] | None = None) -> Suggestions:
    """Themes and risk flags for a note. ``themes`` maps slug to (name, category) of the themes
    that may be suggested (e.g. the active Theme rows); by default the built-in taxonomy."""
    catalogue = built_in_catalogue() if themes is None else themes
    note = _Note(text)
    if not note.size:
        return Suggestions([], [])
    matcher = _matcher()
    matches = matcher.find(note)
    consumed = {i for match in matches for i in match.negation_words}
    negated_by = _negation_scopes(note, consumed)
    history_by = _history_scopes(note)
    post_history = {m.start for m in _post_history_matcher().find(note)}

    weights: dict[str, list[tuple[_Match, float, int]]] = {}
    risk_mentions: dict[tuple[str, bool, bool], list[tuple[int, int]]] = {}
    for match, (trigger, post_negator, historical) in _statuses(
        note, matches, negated_by, history_by, post_history
    ).items():
        cue = match.cue
        negated = trigger >= 0 or post_negator >= 0
        if cue.is_risk:
            start = min(match.start, trigger) if trigger >= 0 else match.start
            marker = history_by[match.start]
            if historical and marker >= 0 and match.start - marker <= 6:
                start = min(start, marker)  # "history of self-harm"
            end = max(match.end, post_negator)
            risk_mentions.setdefault((cue.target, negated, historical), []).append((start, end))
            theme = lexicon.RISK_THEMES.get(cue.target)
        else:
            theme = cue.target
        if theme and not negated and not historical and theme in catalogue:
            end = _evidence_end(note, match, negated_by)
            weights.setdefault(theme, []).append((match, cue.weight, end))

    suggestions = []
    for slug, found in weights.items():
        total, evidence = _score(note, found)
        if total >= THRESHOLD:
            name, category = catalogue[slug]
            score = round(min(total, SCORE_CAP) / SCORE_CAP, 2)
            suggestions.append(ThemeSuggestion(slug, name, category, score, evidence))
    suggestions.sort(key=lambda s: (-s.score, s.name.casefold(), s.slug))
    return Suggestions(suggestions, _risk_flags(note, risk_mentions))


# --- patterns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Element:
    forms: frozenset[str]
    prefixes: tuple[str, ...]
    cased: frozenset[str]  # all-capital abbreviations ("SI"): the note must use capitals too
    negation: bool  # NEG: any negation word
    optional: bool


@dataclass(frozen=True, eq=False)
class _Cue:
    target: str
    weight: float
    parts: tuple  # _Element, or int: a gap of up to that many tokens
    is_risk: bool = False
    source: str = ""

    @cached_property
    def needed(self) -> tuple[frozenset[str], ...]:
        """Word sets of required plain-word elements: the note must hold one of each."""
        return tuple(
            part.forms
            for part in self.parts[1:]  # the first word is where matching starts: present
            if isinstance(part, _Element)
            and not (part.optional or part.prefixes or part.cased or part.negation)
        )


def compile_pattern(
    pattern: str, target: str = "", weight: float = 1.0, is_risk=False
) -> list[_Cue]:
    """Parse the pattern language described in ``themes/lexicon.py``: one cue per expansion of
    its multi-word alternatives, all sharing the pattern as their source."""
    return [
        _Cue(target, weight, _parse(variant, pattern), is_risk, pattern)
        for variant in _expand(pattern)
    ]


def _expand(pattern: str) -> list[str]:
    """Spell out multi-word alternatives: "a|b_c d" is "a d" or "b c d"."""
    variants: list[list[str]] = [[]]
    for item in pattern.split():
        optional = item.endswith("?")
        alternatives = item.rstrip("?").strip("()").split("|")
        phrases = [a for a in alternatives if "_" in a]
        if not phrases:
            options = [[item]]
        else:
            words = "|".join(a for a in alternatives if "_" not in a)
            options = [[words + "?" * optional]] if words else []
            options += [phrase.split("_") for phrase in phrases]
            options += [[]] if optional else []
        variants = [variant + option for variant in variants for option in options]
    return [" ".join(variant) for variant in variants]


def _parse(variant: str, pattern: str) -> tuple:
    parts: list = []
    for item in variant.split():
        gap = re.fullmatch(r"~(\d+)", item)
        if gap:
            if not parts or isinstance(parts[-1], int):
                raise ValueError(f"a gap must follow a word: {pattern!r}")
            parts.append(int(gap[1]))
            continue
        optional = item.endswith("?")
        item = item.rstrip("?").strip("()")
        forms, prefixes, cased, negation = set(), [], set(), False
        for alternative in filter(None, item.split("|")):
            if alternative == "NEG":
                negation = True
            elif alternative.endswith("*"):
                if len(alternative) < 4:
                    raise ValueError(f"prefix too short in {pattern!r}: {alternative}")
                prefixes.append(alternative[:-1].lower())
            elif alternative.startswith("="):
                forms.add(alternative[1:].lower())
            elif len(alternative) > 1 and alternative.isupper():
                cased.add(alternative)
            else:
                forms.update(lexicon.word_forms(alternative.lower()))
        if not (forms or prefixes or cased or negation):
            raise ValueError(f"empty word in {pattern!r}")
        parts.append(
            _Element(frozenset(forms), tuple(prefixes), frozenset(cased), negation, optional)
        )
    if not parts or isinstance(parts[-1], int) or parts[0].optional or parts[-1].optional:
        raise ValueError(f"a pattern must start and end with a required word: {pattern!r}")
    return tuple(parts)


@dataclass(frozen=True, eq=False)
class _Match:
    cue: _Cue
    positions: tuple[int, ...]  # token indices matched by words (gaps excluded)
    negation_words: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.positions[-1]


class _Matcher:
    def __init__(self, cues: Iterable[_Cue]):
        self.cues = list(cues)
        self.by_form: dict[str, list[_Cue]] = {}
        self.by_prefix: dict[str, list[_Cue]] = {}
        self.by_negation: list[tuple[_Cue, tuple]] = []
        self.word_cache: dict[str, tuple[tuple[_Cue, tuple], ...]] = {}
        for cue in self.cues:
            first = cue.parts[0]
            for form in first.forms | {c.lower() for c in first.cased}:
                self.by_form.setdefault(form, []).append(cue)
            for prefix in first.prefixes:
                self.by_prefix.setdefault(prefix[:3], []).append(cue)
            if first.negation:
                self.by_negation.append((cue, cue.needed))

    def candidates(self, word: str, negation: bool) -> tuple[tuple[_Cue, tuple], ...]:
        """Cues whose first word can be this word, each with its needed word sets."""
        key = ("\0" if negation else "") + word
        found = self.word_cache.get(key)
        if found is None:
            cues = self.by_form.get(word, []) + [
                cue
                for cue in self.by_prefix.get(word[:3], [])
                if word.startswith(cue.parts[0].prefixes)
            ]
            if negation:
                cues += [cue for cue, _ in self.by_negation]
            found = tuple((cue, cue.needed) for cue in dict.fromkeys(cues))
            if len(self.word_cache) < 50_000:  # bounded: a note may be arbitrary text
                self.word_cache[key] = found
        return found

    def find(self, note: "_Note") -> list[_Match]:
        found = []
        viable: dict[tuple[_Cue, int], bool] = {}
        for i in range(note.size):
            if not note.is_word[i]:
                continue
            candidates = self.candidates(note.folded[i], note.negation[i])
            segment = note.segment[i]
            for cue, needed in candidates:
                # A match never crosses a boundary mark, so the segment must hold every word.
                ok = viable.get((cue, segment)) if needed else True
                if ok is None:
                    words = note.segment_words[segment]
                    ok = viable[cue, segment] = all(not f.isdisjoint(words) for f in needed)
                if ok:
                    positions = _match_parts(note, cue.parts, 0, i)
                    if positions:
                        negation_words = tuple(p for p in positions if note.negation[p])
                        found.append(_Match(cue, tuple(positions), negation_words))
        return found


def _element_matches(note: "_Note", element: _Element, i: int) -> bool:
    if i >= note.size or not note.is_word[i]:
        return False
    word = note.folded[i]
    return (
        word in element.forms
        or (element.negation and note.negation[i])
        or (bool(element.cased) and note.original(i) in element.cased)
        or (bool(element.prefixes) and word.startswith(element.prefixes))
    )


def _match_parts(note: "_Note", parts: tuple, k: int, i: int) -> list[int] | None:
    """Token positions matching parts[k:] from token i, preferring the shortest gaps."""
    if k == len(parts):
        return []
    part = parts[k]
    if isinstance(part, int):
        for skip in range(part + 1):
            if skip and (i + skip - 1 >= note.size or note.boundary[i + skip - 1]):
                break
            rest = _match_parts(note, parts, k + 1, i + skip)
            if rest is not None:
                return rest
        return None
    if _element_matches(note, part, i):
        rest = _match_parts(note, parts, k + 1, i + 1)
        if rest is not None:
            return [i, *rest]
    if part.optional:
        return _match_parts(note, parts, k + 1, i)
    return None


@cache
def _matcher() -> _Matcher:
    cues = [
        cue
        for slug, entries in lexicon.THEME_CUES.items()
        for pattern, weight in entries
        for cue in compile_pattern(pattern, slug, weight)
    ]
    cues += [
        cue
        for kind, patterns in lexicon.RISK_CUES.items()
        for pattern in patterns
        for cue in compile_pattern(pattern, kind, 1.0, is_risk=True)
    ]
    return _Matcher(cues)


@cache
def _post_history_matcher() -> _Matcher:
    return _Matcher(cue for p in lexicon.HISTORY_AFTER for cue in compile_pattern(p, "history"))


# --- tokens ------------------------------------------------------------------------------------

# Words (with inner apostrophes), joining hyphens and slashes (dropped: "self-harm" reads as
# "self harm"), line breaks, and single punctuation marks.
_TOKEN = re.compile(
    r"([^\W_]+(?:['\u2019`][^\W_]+)*)|(?<=[^\W_])[-\u2010\u2011/](?=[^\W_])|(\n)|([^\w\s])"
)
_DASHES = "-\u2013\u2014"  # hyphen-minus, en dash, em dash
_BOUNDARY_MARKS = frozenset(".;:!?\n\u2026\u2022" + _DASHES)


class _Note:
    """The note as tokens, each with its place in the original text."""

    def __init__(self, text: str):
        self.text = text
        self.spans: list[tuple[int, int]] = []
        self.folded: list[str] = []
        self.is_word: list[bool] = []
        for found in _TOKEN.finditer(text):
            if found[1]:
                self.folded.append(_fold(found[1]))
                self.is_word.append(True)
            elif found[2] or found[3]:
                self.folded.append(found[2] or found[3])
                self.is_word.append(False)
            else:
                continue  # a joining hyphen or slash: "self-harm" reads as "self harm"
            self.spans.append(found.span())
        self.size = len(self.folded)
        folded = self.folded
        self.boundary = [
            (not w and f in _BOUNDARY_MARKS) or (w and f in lexicon.CLAUSE_WORDS)
            for f, w in zip(folded, self.is_word, strict=True)
        ]
        self.negation = [
            w and (f in lexicon.NEGATION_WORDS or f.endswith("n't"))
            for f, w in zip(folded, self.is_word, strict=True)
        ]
        for i in range(self.size - 1):
            if (folded[i], folded[i + 1]) in lexicon.NEGATION_PAIRS:
                self.negation[i] = True
        # Segments: runs of tokens between boundary marks (. ; : ! ? dashes, line breaks).
        self.segment: list[int] = []
        self.segment_words: list[set[str]] = [set()]
        for word, is_word in zip(folded, self.is_word, strict=True):
            if not is_word and word in _BOUNDARY_MARKS:
                self.segment_words.append(set())
            self.segment.append(len(self.segment_words) - 1)
            self.segment_words[-1].add(word)

    def next_word(self, i: int) -> str:
        return self.folded[i + 1] if i + 1 < self.size else ""

    def original(self, i: int) -> str:
        start, end = self.spans[i]
        return self.text[start:end]

    def span(self, first: int, last: int) -> str:
        return self.text[self.spans[first][0] : self.spans[last][1]]


_CLITIC = re.compile(r"'(?:ll|re|ve|d|m)$")


@lru_cache(maxsize=20_000)
def _fold(word: str) -> str:
    """Lower case without accents, straight apostrophes, "she'll" read as "she", common
    misspellings read as meant."""
    if word.isascii():
        word = word.lower().replace("`", "'")
    else:
        word = unicodedata.normalize("NFKD", word.replace("\u2019", "'").replace("`", "'"))
        word = "".join(c for c in word if not unicodedata.combining(c)).casefold()
    word = _CLITIC.sub("", word) if "'" in word else word
    return lexicon.SPELLING_FIXES.get(word, word)


# --- negation, history, other people ------------------------------------------------------------


def _negation_scopes(note: _Note, consumed: set[int]) -> list[int]:
    """For each token, the negation word whose scope covers it, or -1."""
    governed = [-1] * note.size
    for t in range(note.size):
        if not note.negation[t] or t in consumed:
            continue
        if (note.folded[t], note.next_word(t)) in lexicon.PSEUDO_NEGATIONS:
            continue
        if t > 0 and (note.folded[t - 1], note.folded[t]) in lexicon.PSEUDO_NEGATIONS:
            continue
        _extend_scope(note, t, governed)
    return governed


def _history_scopes(note: _Note) -> list[int]:
    """For each token, the history marker ("history of", "previously") covering it, or -1."""
    governed = [-1] * note.size
    for t in range(note.size):
        if note.is_word[t] and _is_history_marker(note, t):
            _extend_scope(note, t, governed)
    return governed


def _extend_scope(note: _Note, t: int, governed: list[int]) -> None:
    j, words = t + 1, 0
    if j < note.size and note.folded[j] == ":":
        j += 1  # "Denied: SI, HI."
    while j < note.size and words < MAX_SCOPE:
        word = note.folded[j]
        if note.boundary[j] or word in lexicon.SCOPE_BREAKERS:
            break
        following = note.next_word(j)
        if word in {",", "and"} and following in lexicon.CLIENT_WORDS:
            break
        if word == "," and following in lexicon.CLAUSE_OPENERS:
            break
        governed[j] = t
        words += note.is_word[j]
        j += 1


def _is_history_marker(note: _Note, t: int) -> bool:
    word, following = note.folded[t], note.next_word(t)
    if word in {"history", "hx"}:
        return following in {"of", ":"} or (t > 0 and note.folded[t - 1] == "family")
    if word == "h" and following == "o":
        return True
    if word in lexicon.HISTORY_WORDS:
        return not (following in lexicon.TIME_WORDS or following.isdigit() or following == "to")
    if word == "used":
        return following == "to" and (t == 0 or note.folded[t - 1] not in {"got", "get"})
    return word == "gave" and following == "up"


def _historical(note: _Note, match: _Match, history_by: list[int], post: set[int]) -> bool:
    """Whether a history marker covers the match (before it, or shortly after it in the same
    clause), with no current marker ("again", "this week") between it and shortly after."""
    marker = history_by[match.start]
    if any(history_by[i] in match.positions for i in match.positions):
        marker = -1  # the marker is part of the cue: "stopped replying to messages"
    after = _clause_ahead(note, match.end, POST_WINDOW)
    if marker < 0:
        if not any(i in post for i in after):
            return False
        marker = match.end
    between = range(min(marker, match.start) + 1, match.end + 1)
    nearby = [*between, *after[:4]]
    return not any(_is_current_marker(note, i) for i in nearby)


def _clause_ahead(note: _Note, end: int, most: int) -> list[int]:
    """Up to `most` token positions after `end`, stopping at a clause boundary."""
    ahead = []
    for i in range(end + 1, min(note.size, end + 1 + most)):
        if note.boundary[i]:
            break
        ahead.append(i)
    return ahead


def _is_current_marker(note: _Note, i: int) -> bool:
    word = note.folded[i]
    if word in lexicon.CURRENT_WORDS:
        return True
    return word in {"this", "last"} and note.next_word(i) in lexicon.TIME_WORDS


def _someone_else(note: _Note, start: int) -> bool:
    """Whether the nearest person named before the match is someone other than the client."""
    for j in range(start - 1, max(-1, start - 1 - PERSON_LOOKBACK), -1):
        if note.boundary[j]:
            return False
        word = note.folded[j].split("'")[0]
        if word in lexicon.CLIENT_WORDS:
            return False
        if word in lexicon.OTHER_PEOPLE or word.rstrip("s") in lexicon.OTHER_PEOPLE:
            return True
    return False


def _statuses(note, matches, negated_by, history_by, post_history) -> dict:
    """(negation word before, negation word after, historical) of each match that is about the
    client. Overlapping matches of one target share their status: "SI" in "SI: denied" is as
    negated as "SI: denied" itself."""
    statuses = {}
    for match in matches:
        client_state = match.cue.is_risk or match.cue.target in lexicon.CLIENT_STATE_THEMES
        if client_state and _someone_else(note, match.start):
            continue
        trigger = _governing(negated_by, match)
        post_negator = _post_negation(note, match.end) if trigger < 0 else -1
        historical = client_state and _historical(note, match, history_by, post_history)
        statuses[match] = (trigger, post_negator, historical)
    by_target: dict[str, list[_Match]] = {}
    for match in statuses:
        by_target.setdefault(match.cue.target, []).append(match)
    for group in by_target.values():
        for cluster in _overlapping(group):
            triggers = [statuses[m][0] for m in cluster if statuses[m][0] >= 0]
            posts = [statuses[m][1] for m in cluster if statuses[m][1] >= 0]
            trigger = triggers[0] if triggers else -1
            post = posts[0] if posts and trigger < 0 else -1
            historical = any(statuses[m][2] for m in cluster)
            for match in cluster:
                statuses[match] = (trigger, post, historical)
    return statuses


def _overlapping(matches: list[_Match]) -> list[list[_Match]]:
    """Runs of matches whose token spans overlap, in order."""
    clusters: list[list[_Match]] = []
    reach = -1
    for match in sorted(matches, key=lambda m: (m.start, m.end)):
        if clusters and match.start <= reach:
            clusters[-1].append(match)
        else:
            clusters.append([match])
        reach = max(reach, match.end) if len(clusters[-1]) > 1 else match.end
    return clusters


def _governing(governed: list[int], match: _Match) -> int:
    """The negation word scoping over any word of the match that is not itself a negation."""
    for i in match.positions:
        if i not in match.negation_words and governed[i] >= 0:
            return governed[i]
    return -1


def _post_negation(note: _Note, end: int) -> int:
    """The token that negates a match from after it, or -1: a negation right after it ("SI
    denied", "self-harm not reported"), or after a heading separator ("thoughts of harming
    others: denied", "SI - none")."""
    plain = True  # only filler words so far ("suicidal thoughts were denied")
    for j in range(end + 1, min(note.size, end + 1 + POST_WINDOW)):
        word = note.folded[j]
        if not note.is_word[j] and word in _SEPARATORS:
            return _negation_at(note, j + 1, after_separator=True)
        if note.boundary[j]:
            return -1
        if plain and (word in lexicon.POST_NEGATION_WORDS or note.negation[j]):
            return _negation_at(note, j, after_separator=False)
        plain = plain and word in lexicon.POST_NEGATION_SKIP
    return -1


_SEPARATORS = frozenset(":=" + _DASHES)


def _negation_at(note: _Note, j: int, after_separator: bool) -> int:
    while j < note.size and note.folded[j] in lexicon.POST_NEGATION_SKIP:
        j += 1
    if j >= note.size:
        return -1
    word = note.folded[j]
    if word in lexicon.POST_NEGATION_WORDS or (after_separator and word == "no"):
        return j
    if (word, note.next_word(j)) in lexicon.NEGATION_PAIRS:  # "... was ruled out"
        return j + 1
    if word == "not" or word.endswith("n't"):
        k = j + 1
        while k < note.size and note.folded[k] in {"been", "be", "currently"}:
            k += 1
        if k < note.size and note.folded[k] in lexicon.NOT_PREDICATES:
            return k
    return -1


# --- scoring -------------------------------------------------------------------------------------


def _evidence_end(note: _Note, match: _Match, negated_by: list[int]) -> int:
    """Where the evidence for a match ends: a proximity cue's last word may be followed by more
    of the same ("mother was cold and dismissive"), within its window, un-negated."""
    parts, end = match.cue.parts, match.end
    if len(parts) < 2 or not isinstance(parts[-2], int):
        return end
    last = parts[-1]
    for j in range(match.end + 1, min(note.size, match.end + 2 + parts[-2])):
        if note.boundary[j] or negated_by[j] >= 0:
            break
        if _element_matches(note, last, j):
            end = j
    return end


def _score(note: _Note, found: list[tuple[_Match, float, int]]) -> tuple[float, list[str]]:
    """Sum of weights over groups of overlapping matches (each cue counted once), and the
    evidence: each group's text from the original note, in order, without repeats."""
    found.sort(key=lambda item: (item[0].start, -item[2]))
    groups: list[list[tuple[_Match, float, int]]] = []
    reach = -1
    for item in found:
        if groups and item[0].start <= reach:
            groups[-1].append(item)
            reach = max(reach, item[2])
        else:
            groups.append([item])
            reach = item[2]
    total, used, evidence, seen = 0.0, set(), [], set()
    for group in groups:
        fresh = [weight for match, weight, _ in group if match.cue.source not in used]
        total += max(fresh, default=0.0)
        used.update(match.cue.source for match, _, _ in group)
        phrase = note.span(min(m.start for m, _, _ in group), max(end for _, _, end in group))
        if phrase.casefold() not in seen:
            seen.add(phrase.casefold())
            evidence.append(phrase)
    return total, evidence


def _risk_flags(note: _Note, mentions: dict[tuple, list[tuple[int, int]]]) -> list[RiskFlag]:
    """One flag per kind and status; current ones first, then historical, then negated."""
    order = {kind: n for n, kind in enumerate(lexicon.RISK_LABELS)}
    flags = []
    for (kind, negated, historical), spans in mentions.items():
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        phrases = {note.span(start, end).casefold(): note.span(start, end) for start, end in merged}
        flags.append(RiskFlag(kind, list(dict.fromkeys(phrases.values())), negated, historical))
    flags.sort(key=lambda f: (f.negated, f.historical, order[f.kind]))
    return flags
