"""The cue pattern language (described in ``themes/lexicon.py``): parsing a pattern into cues,
the inflections a word matches, and finding every cue's matches in a note."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

from themes import lexicon

from .tokens import Note


@dataclass(frozen=True, eq=False)
class Element:
    forms: frozenset[str]
    prefixes: tuple[str, ...]
    cased: frozenset[str]  # all-capital abbreviations ("SI"): the note must use capitals too
    negation: bool  # NEG: any negation word
    optional: bool


@dataclass(frozen=True, eq=False)
class Cue:
    target: str
    weight: float
    parts: tuple  # Element, or int: a gap of up to that many tokens
    is_risk: bool = False
    source: str = ""

    @cached_property
    def steps(self) -> tuple[tuple, ...] | None:
        """(forms, prefixes, negation, cased, gap allowed before it) per word, for cues
        without optional words (the fast path of matching); None for the others."""
        steps, gap = [], 0
        for part in self.parts:
            if isinstance(part, int):
                gap = part
                continue
            if part.optional:
                return None
            steps.append((part.forms, part.prefixes, part.negation, part.cased, gap))
            gap = 0
        return tuple(steps)

    @cached_property
    def needed(self) -> frozenset[int]:
        """Ids of the required plain-word elements after the first: the note must hold a word
        of each (the first word is where matching starts, so it is there)."""
        return frozenset(
            id(part)
            for part in self.parts[1:]
            if isinstance(part, Element)
            and not (part.optional or part.prefixes or part.cased or part.negation)
        )


def compile_pattern(
    pattern: str, target: str = "", weight: float = 1.0, is_risk: bool = False
) -> list[Cue]:
    """Parse the pattern language described in ``themes/lexicon.py``: one cue per expansion of
    its multi-word alternatives, all sharing the pattern as their source. A leading "@" marks
    a risk cue about the client even after another person is named ("everyone would manage
    without her"); it stays in the source."""
    text = pattern[1:] if pattern.startswith("@") else pattern
    return [
        Cue(target, weight, _parse(variant, pattern), is_risk, pattern) for variant in _expand(text)
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
        try:
            parts.append(_element(item))
        except ValueError as exc:
            raise ValueError(f"{exc} in {pattern!r}") from None
    if not parts or isinstance(parts[-1], int) or parts[0].optional or parts[-1].optional:
        raise ValueError(f"a pattern must start and end with a required word: {pattern!r}")
    return tuple(parts)


@cache
def _element(item: str) -> Element:
    """One word of a pattern. Cached, so cues that share a word list (a fragment such as
    {MOTHER}) share one element, and the matcher files it once."""
    optional = item.endswith("?")
    item = item.rstrip("?").strip("()")
    forms, prefixes, cased, negation = set(), [], set(), False
    for alternative in filter(None, item.split("|")):
        if alternative == "NEG":
            negation = True
        elif alternative.endswith("*"):
            if len(alternative) < 4:
                raise ValueError(f"prefix too short: {alternative}")
            prefixes.append(alternative[:-1].lower())
        elif alternative.startswith("="):
            forms.add(alternative[1:].lower())
        elif len(alternative) > 1 and alternative.isupper():
            cased.add(alternative)
        else:
            forms.update(word_forms(alternative.lower()))
    if not (forms or prefixes or cased or negation):
        raise ValueError("empty word")
    return Element(frozenset(forms), tuple(prefixes), frozenset(cased), negation, optional)


@dataclass(frozen=True, eq=False)
class Match:
    cue: Cue
    positions: tuple[int, ...]  # token indices matched by words (gaps excluded)
    negation_words: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.positions[-1]


class Matcher:
    def __init__(self, cues: Iterable[Cue]):
        self.cues = list(cues)
        # Cues are filed by their first word's element; elements are shared between cues, so
        # each word form is filed once per element rather than once per cue.
        by_element: dict[Element, list[Cue]] = {}
        for cue in self.cues:
            by_element.setdefault(cue.parts[0], []).append(cue)
        self.by_form: dict[str, list[Cue]] = {}
        self.by_prefix: dict[str, list[Cue]] = {}
        self.by_negation: list[tuple[Cue, tuple]] = []
        self.word_cache: dict[str, tuple[tuple[Cue, tuple], ...]] = {}
        forms_of: dict[str, list[Element]] = {}
        for element in by_element:
            for form in element.forms | {c.lower() for c in element.cased}:
                forms_of.setdefault(form, []).append(element)
            for prefix in element.prefixes:
                self.by_prefix.setdefault(prefix[:3], []).extend(by_element[element])
            if element.negation:
                self.by_negation += [(cue, cue.needed) for cue in by_element[element]]
        for form, elements in forms_of.items():
            self.by_form[form] = [cue for element in elements for cue in by_element[element]]
        # Word form -> ids of the elements a cue needs that the form satisfies; a note (or a
        # segment of it) then holds a cue's needed words when its element ids are a subset.
        self.needed_by_form: dict[str, tuple[int, ...]] = {}
        elements = {id(part): part for cue in self.cues for part in cue.parts[1:]}
        wanted = {i for cue in self.cues for i in cue.needed}
        index: dict[str, list[int]] = {}
        for element_id in wanted:
            for form in elements[element_id].forms:
                index.setdefault(form, []).append(element_id)
        self.needed_by_form = {form: tuple(ids) for form, ids in index.items()}

    def candidates(self, word: str, negation: bool) -> tuple[tuple[Cue, tuple], ...]:
        """Cues whose first word can be this word, each with its needed word sets."""
        key = ("\0" if negation else "") + word
        found = self.word_cache.get(key)
        if found is None:
            stem = base(word)
            cues = (
                self.by_form.get(word, [])
                + self.by_form.get(stem, [])
                + [
                    cue
                    for cue in self.by_prefix.get(word[:3], [])
                    if word.startswith(cue.parts[0].prefixes)
                ]
            )
            if negation:
                cues += [cue for cue, _ in self.by_negation]
            found = tuple((cue, cue.needed) for cue in dict.fromkeys(cues))
            if len(self.word_cache) < 50_000:  # bounded: a note may be arbitrary text
                self.word_cache[key] = found
        return found

    def find(self, note: Note) -> list[Match]:
        """Every match of every cue, in token order.

        Work is per distinct word, not per token: a cue is tried only where its first word
        stands, and only when each of its other plain words is in the note, and (a match never
        crosses a boundary mark) in the same segment.
        """
        folded, is_word, masked, negation = note.folded, note.is_word, note.masked, note.negation
        where: dict[tuple[str, bool], list[int]] = {}
        for i in range(note.size):
            if is_word[i] and not masked[i]:
                where.setdefault((folded[i], negation[i]), []).append(i)
        index = self.needed_by_form
        elements_of: dict[str, tuple[int, ...]] = {}
        for words in note.segment_words:
            for word in words:
                if word not in elements_of:
                    stem = base(word)
                    found_ids = index.get(word, ())
                    elements_of[word] = found_ids + index.get(stem, ()) if stem else found_ids
        in_note = set().union(*elements_of.values())
        segment_words, in_segment = note.segment_words, {}
        starts: dict[Cue, list[int]] = {}
        for (word, negated), positions in where.items():
            for cue, needed in self.candidates(word, negated):
                if cue in starts:
                    starts[cue] += positions
                elif needed <= in_note:
                    starts[cue] = list(positions)
        found = []
        segments = note.segment
        for cue, positions in starts.items():
            needed, parts = cue.needed, cue.parts
            # One plain word: where it stands is the match (the index found it there).
            single = len(parts) == 1 and not parts[0].cased
            for i in positions:
                segment = segments[i]
                present = in_segment.get(segment)
                if present is None:
                    words = segment_words[segment]
                    present = in_segment[segment] = set().union(
                        *(elements_of[word] for word in words)
                    )
                if needed <= present:
                    if single:
                        matched = [i]
                    elif cue.steps is not None:
                        matched = _match_steps(note, cue.steps, i)
                    else:
                        matched = match_parts(note, parts, 0, i)
                    if matched:
                        negation_words = tuple(p for p in matched if negation[p])
                        found.append(Match(cue, tuple(matched), negation_words))
        found.sort(key=lambda match: match.start)
        return found


def element_matches(note: Note, element: Element, i: int) -> bool:
    if i >= note.size or not note.is_word[i] or note.masked[i]:
        return False
    word = note.folded[i]
    return (
        word in element.forms
        or (word[-1:] in "s'" and base(word) in element.forms)
        or (element.negation and note.negation[i])
        or (bool(element.cased) and note.original(i) in element.cased)
        or (bool(element.prefixes) and word.startswith(element.prefixes))
    )


def _match_steps(note: Note, steps: tuple, i: int) -> list[int] | None:
    """match_parts for a cue without optional words, without recursion: each word is looked
    for in its window (its gap, never across a boundary), backtracking to the previous word's
    next place when a later word is missing; the shortest gaps win, as in match_parts."""
    folded, boundary, is_word, masked = note.folded, note.boundary, note.is_word, note.masked
    negation, size, count = note.negation, note.size, len(steps)
    begin, resume, found = [i] * count, [i] * count, [0] * count
    k = 0
    while k >= 0:
        forms, prefixes, negates, cased, gap = steps[k]
        first = begin[k]
        j, end, hit = resume[k], min(size, first + gap + 1), -1
        while j < end:
            if j > first and boundary[j - 1]:
                break
            if is_word[j] and not masked[j]:
                word = folded[j]
                if (
                    word in forms
                    or (word[-1:] in "s'" and base(word) in forms)
                    or (prefixes and word.startswith(prefixes))
                    or (negates and negation[j])
                    or (cased and note.original(j) in cased)
                ):
                    hit = j
                    break
            j += 1
        if hit < 0:
            k -= 1
            if k >= 0:
                resume[k] = found[k] + 1
            continue
        found[k] = hit
        if k + 1 == count:
            return found
        k += 1
        begin[k] = resume[k] = hit + 1
    return None


def match_parts(note: Note, parts: tuple, k: int, i: int) -> list[int] | None:
    """Token positions matching parts[k:] from token i, preferring the shortest gaps."""
    if k == len(parts):
        return []
    part = parts[k]
    if part.__class__ is int:
        following = parts[k + 1]  # a gap is always followed by a word (see _parse)
        boundary, size = note.boundary, note.size
        for j in range(i, min(size, i + part + 1)):
            if j > i and boundary[j - 1]:
                break
            # Try the word after the gap only where it stands (or where it may be left out).
            if following.optional or element_matches(note, following, j):
                rest = match_parts(note, parts, k + 1, j)
                if rest is not None:
                    return rest
        return None
    if element_matches(note, part, i):
        rest = match_parts(note, parts, k + 1, i + 1)
        if rest is not None:
            return [i, *rest]
    if part.optional:
        return match_parts(note, parts, k + 1, i)
    return None


def base(word: str) -> str:
    """The word without a possessive ending ("mother's", "parents'"), or "" if it has none."""
    if word.endswith("'s") and len(word) > 2:
        return word[:-2]
    if word.endswith("s'") and len(word) > 2:
        return word[:-1]
    return ""


_VOWELS = set("aeiou")


@cache
def _irregular() -> dict[str, tuple[str, ...]]:
    return lexicon.words().irregular


@cache
def word_forms(word: str) -> frozenset[str]:
    """The word and its regular inflections (generated, not stemmed), with -ise/-ize variants.

    Over-generation is harmless: forms that are not English words never occur in notes.
    Cached: the same words recur across hundreds of cues (fragments such as {MOTHER}).
    Possessives are not generated: a note's "mother's" is looked up as "mother" (``base``).
    """
    if " " in word or not word.isalpha() or len(word) < 3:
        forms = {word}
    else:
        forms = {word, *_irregular().get(word, ())}
        if word.endswith(("s", "x", "z", "ch", "sh")):
            forms.add(word + "es")
        elif word.endswith("y") and word[-2] not in _VOWELS:
            forms |= {word[:-1] + "ies", word[:-1] + "ied"}
        else:
            forms.add(word + "s")
        if word.endswith("ie"):
            forms |= {word[:-2] + "ying", word + "d"}
        elif word.endswith("ee"):
            forms |= {word + "d", word + "ing"}
        elif word.endswith("e"):
            forms |= {word + "d", word[:-1] + "ing"}
        elif word.endswith("c"):
            forms |= {word + "ked", word + "king"}
        elif not (word.endswith("y") and word[-2] not in _VOWELS):
            forms |= {word + "ed", word + "ing"}
            if word[-1] not in _VOWELS | {"w", "x", "y"} and word[-2] in _VOWELS:
                forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
        else:
            forms.add(word + "ing")
    for form in list(forms):
        forms |= _spelling_variants(form)
    return frozenset(forms)


_SPELLINGS = re.compile(r"^(.{3,})(is|iz)(e|es|ed|ing|ation|ations)$|^(.{3,})(our)(s|ed|ing|)$")


def _spelling_variants(form: str) -> set[str]:
    """British and American spellings: apologise/apologize, behaviour/behavior."""
    found = _SPELLINGS.match(form)
    if not found:
        return set()
    if found[2]:
        return {found[1] + {"is": "iz", "iz": "is"}[found[2]] + found[3]}
    return {found[4] + "or" + found[6]}
