"""Finding every cue's matches in a note: cues filed by their first word, tried only where
that word stands and only when the note (and the segment) holds the cue's other words."""

from collections.abc import Iterable
from dataclasses import dataclass

from .patterns import Cue, Element, base
from .tokens import Note


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
