"""Risk flags: every mention of self-harm, suicidal thoughts or harm to others, with its status.

A missed current mention is the costliest error this product can make; a red alarm on a
documented denial is the next, because clinicians learn to ignore alarms. So every mention is
flagged, and its status decides how it shows:

    current        the client, now or recently ("+SI passive", "cut her arm 3 days ago",
                   "unless the court date goes her way she will end it"): a red alert
    denied         a documented denial ("denies SI/HI", "Screened for SI - nil",
                   "not currently suicidal")
    historical     the past ("overdose in her twenties, nothing since")
    hypothetical   a condition or a safety plan ("will ring the crisis line if the urge to
                   hurt himself comes back")
    question       the therapist's own question with no answer recorded ("Asked about SI.")
    other_person   about someone else ("her brother attempted suicide last year")
    joke           said as a joke ("the heat was so bad I wanted to die," she said, laughing):
                   still shown, as a neutral line, since a joke about dying can be a warning

The checks run in that order of precedence (other person, denial, question, condition, history);
what passes them all is current. Docs: docs/theme-suggestions.md.
"""

import dataclasses
import itertools
from dataclasses import dataclass
from functools import cache

from themes import lexicon

from . import scopes
from .matcher import Match
from .tokens import Note

STATUSES = (
    "current",
    "denied",
    "historical",
    "hypothetical",
    "question",
    "other_person",
    "joke",
)
STATUS_LABELS = {
    "current": "current",
    "denied": "denied",
    "historical": "history",
    "hypothetical": "if/then or safety plan",
    "question": "asked about",
    "other_person": "about someone else",
    "joke": "said as a joke",
}
HEADINGS = {
    "current": "Current risk",
    "denied": "Risk assessed",
    "historical": "History",
    "hypothetical": "Safety plan or condition",
    "question": "Asked about",
    "other_person": "About someone else",
    "joke": "Said as a joke",
}
# "hi" is also a greeting: in lower case it counts only beside other risk words.
CONTEXT_ONLY = frozenset({"hi"})
# Words after "her"/"his" that still name a person or a body ("his throat", "her baby").
PERSON_WORDS = frozenset(
    [
        "baby",
        "toddler",
        "child",
        "kids",
        "children",
        "throat",
        "neck",
        "face",
        "head",
        "own",
        "self",
    ]
)
# After "kill her", these start the rest of the sentence, not a thing of hers.
FUNCTION_WORDS = frozenset(
    {
        "if", "when", "and", "or", "but", "because", "so", "again", "too", "now", "then", "with",
        "in", "at", "on", "for", "to", "before", "after", "unless", "while", "as", "that", "this",
        "one", "day", "tonight", "tomorrow", "someday", "across", "into", "onto", "against",
        "through", "over", "down", "up", "out", "off", "about", "around", "round", "from", "by",
        "under", "away", "back", "hard", "really", "properly", "senseless"
    }
)  # fmt: skip
HI_CONTEXT = frozenset(
    {"+", ":", "/", "denied", "denies", "towards", "toward", "re", "risk", "about", "ask", "asked"}
)


@dataclass(frozen=True)
class RiskFlag:
    kind: str
    status: str
    evidence: list[str]

    @property
    def label(self) -> str:
        return lexicon.load().risk[self.kind].label

    @property
    def current(self) -> bool:
        return self.status == "current"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def heading(self) -> str:
        return HEADINGS[self.status]


@dataclass(frozen=True)
class Context:
    """The scopes of one note, computed once and shared by every mention."""

    note: Note
    negated_by: list[int]
    history_by: list[int]
    post_history: set[int]
    hypothetical_by: list[int]
    question_by: list[int]
    client: frozenset[str]
    risky: frozenset[int] = frozenset()  # token positions of every risk mention
    starts: frozenset[int] = frozenset()  # where each risk mention begins


def status_of(ctx: Context, match: Match) -> tuple[str, int, int]:
    """(status, first token, last token of the evidence) of one risk mention."""
    note = ctx.note
    start, end = match.start, match.end
    sign = _sign(note, start)
    if sign == "+":
        return "current", start - 1, end  # "+SI": endorsed
    if sign == "-":
        return "denied", start - 1, end  # "-si": denied
    if scopes.in_jest(note, match):
        return "joke", start, end
    condition = scopes.governing(ctx.hypothetical_by, match)
    if condition >= 0:
        return "hypothetical", condition if start - condition <= 6 else start, end
    if not match.cue.source.startswith("@") and scopes.someone_else(note, start, ctx.client):
        return "other_person", start, end
    trigger = scopes.governing(ctx.negated_by, match)
    if trigger >= 0:
        if scopes.since_long_ago(note, match):
            return "historical", min(start, trigger), end  # "hasn't self-harmed since she was 20"
        return "denied", min(start, trigger), end
    post = scopes.post_negation(note, end, ctx.risky)
    if post >= 0:
        status = "historical" if note.next_word(post) == "since" else "denied"
        return status, start, post
    score = scopes.score_after(note, match)
    if score:
        return score, start, end  # "PHQ-9 item 9 scored 0"
    if scopes.might_return(note, match):
        return "hypothetical", start, end  # "the signs that the suicidal thinking might return"
    if match.cue.target == "harm_to_others" and scopes.unwanted(note, match):
        return "denied", start, end  # intrusive and unwanted: "the thought appals her"
    if scopes.see_elsewhere(note, match):
        return "question", start, end
    asked = scopes.governing(ctx.question_by, match)
    reply = scopes.answer(note, match) if asked >= 0 else scopes.answer_to_own_question(note, match)
    if reply == "denied":
        return "denied", min(start, asked) if asked >= 0 else start, end
    if asked >= 0 and not reply:
        return "question", start if note.folded[asked] == "?" else min(start, asked), end
    if scopes.historical(note, match, ctx.history_by, ctx.post_history, ctx.starts):
        marker = ctx.history_by[start]
        if marker >= 0 and start - marker <= 6:
            start = marker  # "history of self-harm"
        return "historical", start, end
    return "current", start, end


def _sign(note: Note, start: int) -> str:
    """ "+" or "-" written right before a mention as shorthand for present or absent ("+SI",
    "-si"), but not a plus joining two mentions ("SI + HI")."""
    sign = note.prev_word(start)
    if sign not in {"+", "-"}:
        return ""
    before = note.folded[start - 2] if start >= 2 else ""
    return sign if not before or not note.is_word[start - 2] else ""


def _context_only_ok(note: Note, match: Match, risky: set[int]) -> bool:
    """A lower-case "hi" counts only with another risk word, a negation, a sign, a colon or
    "towards" beside it ("si/hi denied", "+hi", "hi: nil", "hi towards ex"), never as a
    greeting."""
    if len(match.positions) != 1 or note.folded[match.start] not in CONTEXT_ONLY:
        return True
    i = match.start
    if note.original(i).isupper():
        return True
    near = range(max(0, i - 3), min(note.size, i + 4))
    return any(
        k != i and (k in risky or note.negation[k] or note.folded[k] in HI_CONTEXT) for k in near
    )


def _at_a_thing(note: Note, match: Match) -> bool:
    """Harm "to her printer": a threat whose object is "her", "his" or "my" followed by a
    word that names no person is not about a person."""
    if match.cue.target != "harm_to_others":
        return False
    last = match.end
    if note.folded[last] not in {"her", "his", "their", "my"} or last + 1 >= note.size:
        return False
    following = note.folded[last + 1].split("'")[0]
    words = lexicon.words()
    person = following in words.other_people or following.rstrip("s") in words.other_people
    thing = note.is_word[last + 1] and following not in FUNCTION_WORDS
    return thing and not person and following not in PERSON_WORDS


POSSESSIVE_OF = {"her": "she", "his": "he", "their": "they", "my": "i"}


def _own_body(note: Note, match: Match, client: frozenset[str], self_harm: list) -> bool:
    """ "Punching her own face", "hitting her head against the wall" (the client being "she"):
    violence to one's own body is self-harm, read by the self-harm cues, not harm to others.
    Only where a self-harm cue reads the same words: "he'd smash his face in" stays a threat."""
    if match.cue.target != "harm_to_others" or match.end + 1 >= note.size:
        return False
    if not any(m.start <= match.end and match.start <= m.end for m in self_harm):
        return False
    owner = POSSESSIVE_OF.get(note.folded[match.end])
    if owner is None or owner not in client:
        return False
    following = note.folded[match.end + 1]
    return following == "own" or following in _body_words()


@cache
def _body_words() -> frozenset[str]:
    return frozenset(lexicon.words().fragments["BODY"].split("|")) | {"face", "head"}


def flags(ctx: Context, matches: list[Match]) -> tuple[list[RiskFlag], set[str]]:
    """The flags of a note (one per kind and status, current first) and the risk themes a
    current mention suggests."""
    note = ctx.note
    risky = {i for m in matches for i in m.positions if note.folded[i] not in CONTEXT_ONLY}
    matches = [m for m in matches if _context_only_ok(note, m, risky) and not _at_a_thing(note, m)]
    self_harm = [m for m in matches if m.cue.target == "self_harm"]
    matches = [m for m in matches if not _own_body(note, m, ctx.client, self_harm)]
    ctx = dataclasses.replace(
        ctx,
        risky=frozenset(i for m in matches for i in m.positions),
        starts=frozenset(m.start for m in matches),
    )
    others = {i for m in matches if m.cue.target == "harm_to_others" for i in m.positions}
    suicidal = {i for m in matches if m.cue.target == "suicidal_thoughts" for i in m.positions}
    # "an urge to hurt his brother" is harm to others, not self-harm; "a plan to overdose"
    # is suicidal, and flagged as such.
    matches = [
        m
        for m in matches
        if not (m.cue.target == "self_harm" and (others | suicidal) & set(m.positions))
    ]
    mentions: dict[tuple[str, str], list[tuple[int, int]]] = {}
    statuses = {match: status_of(ctx, match) for match in matches}
    for cluster in scopes.overlapping(matches, note):
        by_kind: dict[str, list[Match]] = {}
        for match in cluster:
            by_kind.setdefault(match.cue.target, []).append(match)
        for kind, group in by_kind.items():
            # Mentions of one kind that overlap are one mention: the most alarming reading
            # wins ("homicidal thoughts about the man who attacked her" is current, not about
            # the man). Mentions only joined by "of"/"about" share the least alarming status
            # one of them has for a reason ("passive thoughts of not waking up have not
            # returned" is a denial).
            found = [statuses[m] for m in group]
            pick = max if _overlap(group) else min
            status = pick((s for s, _, _ in found), key=_precedence)
            start = min(s for _, s, _ in found)
            end = max(e for _, _, e in found)
            mentions.setdefault((kind, status), []).append((start, end))
    order = {kind: n for n, kind in enumerate(lexicon.load().risk)}
    result = [
        RiskFlag(kind, status, _phrases(note, spans)) for (kind, status), spans in mentions.items()
    ]
    result.sort(key=lambda f: (STATUSES.index(f.status), order[f.kind]))
    themes = {lexicon.load().risk_theme(f.kind) for f in result if f.current}
    return result, themes


def _overlap(group: list[Match]) -> bool:
    spans = sorted((m.start, m.end) for m in group)
    return any(b[0] <= a[1] for a, b in itertools.pairwise(spans))


def _precedence(status: str) -> int:
    order = ("other_person", "joke", "denied", "question", "hypothetical", "historical")
    return order.index(status) if status in order else len(order)


def _phrases(note: Note, spans: list[tuple[int, int]]) -> list[str]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    phrases = {note.span(s, e).casefold(): note.span(s, e) for s, e in merged}
    return list(dict.fromkeys(phrases.values()))
