"""Negation: which words a negation covers, before a mention ("denies SI", "no thoughts of
self-harm") or after it ("SI: denied", "self-harm not reported"), and the scope helpers the
other scopes share.

A scope opens at a marker and runs forward over the following words until a clause boundary
(. ; : ! ? a dash, a line break, "but", "however"), a scope breaker ("reports", "currently",
"because"), a new clause with the client as subject (", she ...", "as she ...") or MAX_SCOPE
words."""

from themes import lexicon

from ..matcher import Match
from ..tokens import SENTENCE_MARKS, SEPARATORS, Note

MAX_SCOPE = 10  # words a negation, history or condition marker reaches forward
MAX_LISTED = 8  # other mentions passed over after a match, looking for its negation
POST_WINDOW = 6  # tokens after a match searched for "... years ago", "... denied"
SENTENCE_REACH = 60  # tokens a safety plan or history heading covers, at most
SUBJECTS = frozenset({"she", "he", "they", "i", "client", "pt"})
CLAUSE_VERBS = frozenset(
    [
        "has",
        "had",
        "is",
        "was",
        "will",
        "would",
        "feels",
        "felt",
        "says",
        "said",
        "reports",
        "reported",
        "thinks",
        "thought",
        "can",
        "could",
        "does",
        "did",
        "keeps",
        "kept",
        "wants",
        "wanted",
        "admits",
        "admitted",
        "describes",
        "described",
    ]
)


def negation_scopes(note: Note, consumed: set[int]) -> list[int]:
    """For each token, the negation word whose scope covers it, or -1."""
    pseudo = lexicon.words().pairs["pseudo_negations"]
    governed = [-1] * note.size
    for t in range(note.size):
        if not note.negation[t] or t in consumed:
            continue
        if (note.folded[t], note.next_word(t)) in pseudo:
            continue
        if t > 0 and (note.folded[t - 1], note.folded[t]) in pseudo:
            continue
        extend_scope(note, t, governed)
    return governed


def extend_scope(note: Note, t: int, governed: list[int], most: int = MAX_SCOPE) -> None:
    words = lexicon.words()
    j, count = t + 1, 0
    if j < note.size and note.folded[j] in {":", "-"}:
        j += 1  # "Denied: SI, HI."
    while j < note.size and count < most:
        word = note.folded[j]
        # "not currently suicidal": a breaker right after the marker belongs to it.
        first = count == 0 and word in {"currently", "now", "today", "presently", "at"}
        if note.boundary[j] or (word in words.scope_breakers and not first):
            break
        following = note.next_word(j)
        if word in {",", "and"} and following in words.client:
            break
        if word == "," and following in words.clause_openers:
            break
        if word in words.clause_openers and following in words.client and count:
            break  # "... as she is suicidal": a new clause about the client
        new_clause = count and word in SUBJECTS and following in CLAUSE_VERBS
        if new_clause and note.prev_word(j) not in {"that", "if", "whether", "of", "about", "when"}:
            break  # "the baby will not settle at night | she has had moments of ..."
        governed[j] = t
        count += note.is_word[j]
        j += 1


def _sentence_scope(note: Note, j: int, t: int, governed: list[int], stop: str = "") -> None:
    """Mark from token j to the end of the sentence (or a scope breaker) as governed by t."""
    words = lexicon.words()
    last = min(note.size, j + SENTENCE_REACH)
    while j < last and note.folded[j] not in SENTENCE_MARKS and note.folded[j] != stop:
        if note.is_word[j] and note.folded[j] in words.scope_breakers:
            break
        governed[j] = t
        j += 1


def post_negation(note: Note, end: int, skip: frozenset[int] = frozenset()) -> int:
    """The token that negates a match from after it, or -1: a negation right after it ("SI
    denied", "self-harm not reported"), or after a heading separator ("thoughts of harming
    others: denied", "SI - none"). Tokens in ``skip`` (other mentions of the same list: "SI,
    HI, self-harm: denied") are passed over like filler words."""
    words = lexicon.words()
    plain = True  # only filler words so far ("suicidal thoughts were denied")
    j, passed, skipped = end, 0, 0
    while j + 1 < note.size and passed < POST_WINDOW and skipped < MAX_LISTED:
        j += 1
        if j in skip:
            skipped += 1  # a list of mentions is bounded too: "SI HI SI HI ..." stays linear
            continue
        passed += 1
        word = note.folded[j]
        if not note.is_word[j] and word in SEPARATORS:
            return _negation_at(note, j + 1, after_separator=True)
        if note.boundary[j]:
            return -1
        if plain and (word in words.post_negation or note.negation[j]):
            return _negation_at(note, j, after_separator=False)
        listed = word == "," and j + 1 in skip  # "SI, HI: denied"
        plain = plain and (word in words.post_negation_skip or listed)
    return -1


def _negation_at(note: Note, j: int, after_separator: bool) -> int:
    words = lexicon.words()
    while j < note.size and note.folded[j] in words.post_negation_skip:
        j += 1
    if j >= note.size:
        return -1
    word = note.folded[j]
    if word in words.post_negation or (after_separator and word in {"no", "nil", "none", "ve"}):
        return j  # "SI: nil", "SI -ve"
    if (word, note.next_word(j)) in words.pairs["negation_pairs"]:  # "... was ruled out"
        return j + 1
    if word == "not" or word.endswith("n't"):
        k = j + 1
        while k < note.size and note.folded[k] in {"been", "be", "currently"}:
            k += 1
        if k < note.size and note.folded[k] in words.not_predicates:
            return k
    return -1


def governing(governed: list[int], match: Match) -> int:
    """The marker scoping over any word of the match that is not itself a negation, unless
    the marker is part of the match ("easier if she wasn't here")."""
    for i in match.positions:
        marker = governed[i]
        if i not in match.negation_words and marker >= 0 and marker not in match.positions:
            return marker
    return -1
