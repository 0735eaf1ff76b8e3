"""A note as tokens: words (folded to lower case, accents off, misspellings read as meant) and
punctuation, each with its place in the original text, clause boundaries and negation words."""

import re
import unicodedata
from functools import lru_cache

from themes import lexicon

# Words (with inner apostrophes), joining hyphens and slashes (dropped: "self-harm" reads as
# "self harm"), line breaks, and single punctuation marks.
_TOKEN = re.compile(
    r"([^\W_]+(?:['\u2019`][^\W_]+)*)|(?<=[^\W_])[-\u2010\u2011/](?=[^\W_])|(\n)|([^\w\s])"
)
DASHES = "-\u2013\u2014"  # hyphen-minus, en dash, em dash
BOUNDARY_MARKS = frozenset(".;:!?\n\u2026\u2022" + DASHES)
SEPARATORS = frozenset(":=" + DASHES)
SENTENCE_MARKS = frozenset({".", "!", "?", "\n"})


class Note:
    """The note as tokens, each with its place in the original text."""

    def __init__(self, text: str):
        words = lexicon.words()
        self.text = text
        spans: list[tuple[int, int]] = []
        folded: list[str] = []
        is_word: list[bool] = []
        boundary: list[bool] = []
        negation: list[bool] = []
        segment: list[int] = []
        segment_words: list[set[str]] = [set()]
        for found in _TOKEN.finditer(text):
            raw = found[1]
            if raw:
                word, clitic, negates, clause = _word(raw)
                span = found.span()
                spans.append(span)
                folded.append(word)
                is_word.append(True)
                boundary.append(clause)
                negation.append(negates)
                segment.append(len(segment_words) - 1)
                segment_words[-1].add(word)
                if clitic:
                    # "she'll end it" reads "she will end it": the clitic is a word of its own,
                    # standing where the word it belongs to stands.
                    spans.append(span)
                    folded.append(clitic)
                    is_word.append(True)
                    boundary.append(False)
                    negation.append(False)
                    segment.append(len(segment_words) - 1)
                    segment_words[-1].add(clitic)
                continue
            mark = found[2] or found[3]
            if not mark:
                continue  # a joining hyphen or slash: "self-harm" reads as "self harm"
            spans.append(found.span())
            folded.append(mark)
            is_word.append(False)
            negation.append(False)
            marks_boundary = mark in BOUNDARY_MARKS
            boundary.append(marks_boundary)
            if marks_boundary:  # segments: runs of tokens between boundary marks
                segment_words.append(set())
            segment.append(len(segment_words) - 1)
            segment_words[-1].add(mark)
        pairs = words.pairs["negation_pairs"]
        for i in range(len(folded) - 1):
            if (folded[i], folded[i + 1]) in pairs:
                negation[i] = True
            elif folded[i] == "-" and folded[i + 1] == "ve":
                negation[i + 1] = True  # "-ve for SI": negative
        self.spans, self.folded, self.is_word = spans, folded, is_word
        self.boundary, self.negation = boundary, negation
        self.segment, self.segment_words = segment, segment_words
        self.size = len(folded)
        self.masked = [False] * self.size  # measure names, idioms: no cue matches there
        self.phrases: dict | None = None  # matches of words.toml's pattern lists, by list
        self.cache: dict = {}  # per-note facts the scopes compute once

    def next_word(self, i: int) -> str:
        return self.folded[i + 1] if i + 1 < self.size else ""

    def prev_word(self, i: int) -> str:
        return self.folded[i - 1] if i > 0 else ""

    def original(self, i: int) -> str:
        start, end = self.spans[i]
        return self.text[start:end]

    def span(self, first: int, last: int) -> str:
        return self.text[self.spans[first][0] : self.spans[last][1]]

    def clause_ahead(self, end: int, most: int) -> list[int]:
        """Up to `most` token positions after `end`, stopping at a clause boundary."""
        ahead = []
        for i in range(end + 1, min(self.size, end + 1 + most)):
            if self.boundary[i]:
                break
            ahead.append(i)
        return ahead

    def clause_start(self, i: int, most: int = 60) -> int:
        """The first token of the clause holding token i (after a boundary, or 0), looking
        back ``most`` tokens at most."""
        j, stop = i, max(0, i - most)
        while j > stop and not self.boundary[j - 1]:
            j -= 1
        return j

    def sentence_end(self, i: int) -> int:
        """The position of the mark that ends the sentence holding token i (or size)."""
        return self._sentences()[1][i] if i < self.size else self.size

    def sentence_start(self, i: int) -> int:
        """The first token of the sentence holding token i."""
        return self._sentences()[0][i] if i < self.size else self.size

    def _sentences(self) -> tuple[list[int], list[int]]:
        """For each token, where its sentence starts and ends; computed once per note, so that
        asking for every mention costs no more than one pass (a note may be one long line)."""
        bounds = self.cache.get("sentences")
        if bounds is None:
            starts, ends, first = [], [0] * self.size, 0
            for i, word in enumerate(self.folded):
                starts.append(first)
                if word in SENTENCE_MARKS:
                    for k in range(first, i + 1):
                        ends[k] = i
                    first = i + 1
            for k in range(first, self.size):
                ends[k] = self.size
            bounds = self.cache["sentences"] = (starts, ends)
        return bounds


_CLITIC = re.compile(r"'(?:ll|re|ve|d|m)$")


@lru_cache(maxsize=50_000)
def _word(raw: str) -> tuple[str, str, bool, bool]:
    """(folded form, the word a clitic stands for or "", opens a negation, starts a clause)."""
    words = lexicon.words()
    word = fold(raw)
    clitic = ""
    if "'" in raw or "\u2019" in raw:
        ending = _CLITIC.search(raw.lower().replace("\u2019", "'"))
        clitic = _CLITIC_WORD[ending[0]] if ending else ""
    negates = word in words.negation or word.endswith("n't")
    return word, clitic, negates, word in words.clause_words


_CLITIC_WORD = {"'ll": "will", "'d": "would", "'ve": "have", "'re": "are", "'m": "am"}
_FUZZY_TARGETS = ("suicide", "suicidal", "suicidality")


@lru_cache(maxsize=20_000)
def fold(word: str) -> str:
    """Lower case without accents, straight apostrophes, "she'll" read as "she", common
    misspellings read as meant."""
    if word.isascii():
        word = word.lower().replace("`", "'")
    else:
        word = unicodedata.normalize("NFKD", word.replace("\u2019", "'").replace("`", "'"))
        word = "".join(c for c in word if not unicodedata.combining(c)).casefold()
    word = _CLITIC.sub("", word) if "'" in word else word
    fixed = lexicon.words().spelling.get(word)
    if fixed:
        return fixed
    if word[:1] == "s" and 6 <= len(word) <= 12 and not word.startswith("suicid"):
        # Suicide is misspelt in many ways ("sucide", "suiside", "suicidel"): one slip away
        # from the word is read as the word, since a missed mention is the costliest error.
        for target in _FUZZY_TARGETS:
            if _one_edit(word, target):
                return target
    return word


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    k = 0
    while k < len(short) and short[k] == long[k]:
        k += 1
    return short[k:] == long[k + 1 :]
