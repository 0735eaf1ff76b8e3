"""Parsing what a therapist types into search terms, and the FTS5 expression built from them.

Every term reaches FTS5 double-quoted, so user text is always data, never FTS5 syntax
(``NEAR``, ``col:``, ``^``, ``AND``...). See docs/search.md for the syntax offered.
"""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 500
TRUNCATED_MESSAGE = (
    f"Your search was longer than {MAX_QUERY_LENGTH} characters; only the beginning was used."
)
STOP_WORDS_MESSAGE = "Type at least one word that is not a common word like 'the' or 'and'."
# Kept short on purpose: a clinical word must never be dropped.
STOP_WORDS = frozenset(
    " ".join(
        (
            "a an and are as at be but by for from had has have he her his i if in into is it",
            "its me my of on or our she so than that the their them then there these they this",
            "to was we were what when which who will with you your",
        )
    ).split()
)
# A quoted phrase (an unbalanced quote runs to the end), or a run of anything else.
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+?)(?=\s|"|$)')
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False
    excluded: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def expression(self) -> str:
        """This term as FTS5 text, every string double-quoted."""
        if self.prefix:
            return f"{_quote(' '.join(self.words))} *"
        if self.is_phrase:
            return _quote(" ".join(self.words))
        variants = word_variants(self.words[0])
        if len(variants) == 1:
            return _quote(variants[0])
        return "(" + " OR ".join(_quote(v) for v in variants) + ")"


@dataclass
class ParsedQuery:
    terms: list[Term] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def included(self) -> list[Term]:
        return [term for term in self.terms if not term.excluded]

    @property
    def excluded(self) -> list[Term]:
        return [term for term in self.terms if term.excluded]

    def match_expression(self) -> str:
        """The FTS5 MATCH text of the wanted terms, minus the excluded ones ("" if none wanted)."""
        if not self.included:
            return ""
        expression = " AND ".join(term.expression() for term in self.included)
        if self.excluded:
            expression = f"({expression}) NOT ({self.exclusion_expression()})"
        return expression

    def exclusion_expression(self) -> str:
        return " OR ".join(term.expression() for term in self.excluded)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def word_variants(word: str) -> list[str]:
    """The word and the inflections the porter stemmer keeps apart: "panic" and "panics" stem
    to panic, "panicked" and "panicking" to panick."""
    match = re.fullmatch(r"(\w{3,}c)(?:s|k(?:ed|ing|er|ers|y))?", word)
    if not match:
        return [word]
    base = match.group(1)
    return list(dict.fromkeys((word, base, base + "k")))


def clean(text: str) -> str:
    """Control and format characters become spaces; the text is NFC-normalised."""
    text = unicodedata.normalize("NFC", text)
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") else c for c in text)


def parse(raw: str) -> ParsedQuery:
    """Phrases in double quotes, ``word*`` prefixes, ``-word`` / ``-"phrase"`` exclusions."""
    parsed = ParsedQuery()
    text = clean(raw or "")
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        parsed.messages.append(TRUNCATED_MESSAGE)
    had_words = False
    seen = set()
    for match in TOKEN.finditer(text):
        minus, phrase, bare = match.groups()
        if bare is not None:
            excluded = bare.startswith("-")
            prefix = bare.endswith("*")
            words = tuple(w.casefold() for w in WORD.findall(bare))
        else:
            excluded, prefix = bool(minus), False
            words = tuple(w.casefold() for w in WORD.findall(phrase))
        if not words:
            continue  # a lone *, - or punctuation
        had_words = True
        if len(words) == 1 and not prefix and words[0] in STOP_WORDS and bare is not None:
            continue
        term = Term(words, prefix=prefix, excluded=excluded)
        if term not in seen:
            seen.add(term)
            parsed.terms.append(term)
    if had_words and not parsed.terms:
        parsed.messages.append(STOP_WORDS_MESSAGE)
    return parsed
