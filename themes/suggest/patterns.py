"""The cue pattern language (described in ``themes/lexicon.py``): parsing a pattern into cues,
and the inflections a word matches. Finding the cues in a note is ``matcher.py``."""

import re
from dataclasses import dataclass
from functools import cache, cached_property

from themes import lexicon


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
