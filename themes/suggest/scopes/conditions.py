"""Conditions, safety plans and questions: "if ... then", "in case", "should she", "will ring
the crisis line if ...", and the therapist's own screening with the answer written after it."""

from themes import lexicon

from ..matcher import Match
from ..tokens import SENTENCE_MARKS, Note
from .negation import MAX_SCOPE, _sentence_scope
from .persons import QUOTES
from .regions import phrases

ASSESSMENT_REACH = 14  # tokens an assessment word reaches: "asked directly whether she had ..."
ANSWER_REACH = 16  # tokens after a screened mention searched for the answer
# Before "should", these make it advice, not a condition ("she should call").
ADVISED = frozenset(
    {"she", "he", "they", "i", "you", "we", "it", "this", "that", "client", "pt", "who"}
)


# Before "if", these make it the content of a thought: "the thought that if ...".
IDEATION = frozenset(
    {"thought", "thoughts", "thinking", "thinks", "think", "wish", "wishes", "wishing",
     "fantasy", "fantasies", "fantasises", "fantasizes", "imagines", "imagining", "idea"}
)  # fmt: skip


ENQUIRED = frozenset({"explored", "discussed", "reviewed", "checked", "enquired", "wondered"})
MAIN_CLAUSE = frozenset({"will", "would", "shall", "going", "gonna", "is", "'s"})


def hypothetical_scopes(note: Note) -> list[int]:
    """For each token, the condition ("if", "unless", "in case", "should she") or safety-plan
    phrase ("will ring the crisis line") covering it, or -1.

    A condition covers its own clause only: in "unless the court date goes her way she will
    end it" the scope ends where the client becomes the subject again, so the threat is current.
    """
    words = lexicon.words()
    governed = [-1] * note.size
    for t in range(note.size):
        word = note.folded[t]
        if word == "when" and _future_follows(note, t):
            _condition_scope(note, t, governed)  # "when he notices the urge ..., he'll leave"
            continue
        if not note.is_word[t] or word not in words.hypothetical:
            continue
        before = note.prev_word(t)
        if word == "should" and (before in ADVISED or before in words.other_people):
            continue  # "she should call" is advice; "Should she feel unsafe" is a condition
        if any(note.folded[k] in IDEATION for k in range(max(0, t - 3), t)):
            continue  # "the thought that if she stepped in front of a bus": ideation, not a plan
        if word == "if" and any(
            note.folded[k] in words.assessment for k in range(max(0, t - 2), t)
        ):
            continue  # "asked if she has thoughts of ...": a question, not a condition
        _condition_scope(note, t, governed)
    for match in phrases(note, "hypothetical_after"):
        _condition_scope(note, match.end, governed)
    for match in phrases(note, "safety_plan"):
        _plan_scope(note, match.end, governed)
    return governed


def _future_follows(note: Note, t: int) -> bool:
    """Whether the clause after the comma that ends a "when" clause is about the future."""
    for j in range(t + 1, min(note.size, t + 16)):
        if note.folded[j] in {".", ";", "\n", "!", "?"}:
            return False
        if note.folded[j] == ",":
            ahead = note.folded[j + 1 : j + 4]
            return any(w in {"will", "would", "can", "could", "should", "must"} for w in ahead)
    return False


def _condition_scope(note: Note, t: int, governed: list[int]) -> None:
    words = lexicon.words()
    j, count = t + 1, 0
    while j < note.size and count < MAX_SCOPE + 4:
        word = note.folded[j]
        if note.boundary[j] or word in {",", "then"} or word in words.scope_breakers:
            break
        main = count >= 2 and word in words.client and note.next_word(j) in MAIN_CLAUSE
        if main and note.prev_word(j) not in {"like", "that", "as"}:
            break  # "if he leaves her | she will ..." : the main clause begins
        governed[j] = t
        count += note.is_word[j]
        j += 1


def _plan_scope(note: Note, t: int, governed: list[int]) -> None:
    """A safety plan covers the rest of its sentence, across a colon and commas."""
    _sentence_scope(note, t + 1, t, governed, stop=";")


def question_scopes(note: Note) -> list[int]:
    """For each token, the marker of the therapist's own question covering it: an assessment
    word shortly before ("Screened for SI", "asked whether she had thoughts of suicide") or
    right after ("SH screen: see risk form", "suicide risk was assessed"), or a sentence ending
    in a question mark that is not the client's own words (no "I", nothing in quotes). -1
    elsewhere."""
    words = lexicon.words()
    governed = [-1] * note.size
    for t in range(note.size):
        word = note.folded[t]
        enquired = any(note.folded[k] in ENQUIRED for k in range(max(0, t - 4), t))
        asked = word == "whether" and enquired
        # "HI: to be explored next session", "item 9 to be reviewed".
        asked = asked or (word in ENQUIRED | {"covered"} and note.prev_word(t) == "be")
        if not (note.is_word[t] and (word in words.assessment or asked)):
            continue
        j, depth = t + 1, 0
        while j < note.size and j - t <= ASSESSMENT_REACH:
            word = note.folded[j]
            depth += (word == "(") - (word == ")")
            if note.boundary[j] or word in words.scope_breakers:
                break  # "Screened for SI: ..." ends at the colon; the answer follows
            listed = depth > 0 or note.next_word(j) in QUOTES | {"including", "such", "e.g"}
            if word == "," and not listed:  # "risk ax done (si, sh, hi)" goes on
                break
            governed[j] = t
            j += 1
        # Looking back: "Suicide screening was carried out", "SH hx and urges: asked".
        j = t - 1
        while j >= 0 and t - j <= 7 and note.folded[j] != ",":
            if note.boundary[j] and note.folded[j] != ":":
                break
            governed[j] = governed[j] if governed[j] >= 0 else t
            j -= 1
    start = 0
    for i in range(note.size):
        if note.folded[i] in {".", "!", "\n"}:
            start = i + 1
        elif note.folded[i] == "?":
            sentence = note.folded[start:i]
            own_words = any(w in {"i", "me", "my", "myself"} or w in QUOTES for w in sentence)
            after = note.folded[i + 1 : i + 5]
            if "asked" in after and ("i" in after or "we" in after):
                own_words = False  # '"Do you ever think about hurting ...?" I asked.'

            if not own_words:
                for k in range(start, i):
                    governed[k] = governed[k] if governed[k] >= 0 else i
            start = i + 1
    return governed


def answer_to_own_question(note: Note, match: Match) -> str:
    """ "Killing myself? No.": a question the client asks and answers at once."""
    end = note.sentence_end(match.end)
    asked = end + 1 < note.size and note.folded[end] == "?"
    if asked and {"no", "never", "nope"} & set(note.folded[end + 1 : end + 4]):
        return "denied"  # "Hurt myself? God, no."
    return ""


def score_after(note: Note, match: Match) -> str:
    """A score written right after a screening item ("item 9 scored 0", "item 9: 2"): "denied"
    for 0 or "not at all", "current" above 0, "" when there is none."""
    ahead = note.folded[match.end + 1 : match.end + 5]
    for n, word in enumerate(ahead):
        if word in {"scored", "score", "=", ":", "was"} and n + 1 < len(ahead):
            value = ahead[n + 1]
            if value.isdigit():
                return "current" if int(value) > 0 else "denied"
            if ahead[n + 1 :][:3] == ["not", "at", "all"] or (
                value in QUOTES and ahead[n + 2 : n + 4] == ["not", "at"]
            ):
                return "denied"
    return ""


def see_elsewhere(note: Note, match: Match) -> bool:
    """ "SI/SH/HI - see template", "SH screen: see risk form": recorded elsewhere, so asked."""
    ahead = note.folded[match.end + 1 : match.end + 8]
    return "see" in ahead and bool(SEE_WHERE & set(ahead))


SEE_WHERE = frozenset(
    {"template", "form", "notes", "tab", "chart", "attached", "below", "above", "record", "ax"}
)


def might_return(note: Note, match: Match) -> bool:
    """A mention followed by "might/may/could (be) return(ing)": a sign to watch for."""
    ahead = note.folded[match.end + 1 : match.end + 5]
    return bool(
        {"might", "may", "could"} & set(ahead[:2])
        and {"return", "returning", "recur", "recurring", "come", "coming", "returns"} & set(ahead)
    )


def answer(note: Note, match: Match) -> str:
    """The answer recorded after a screened mention: "current" for a yes ("SI: positive",
    "asked about SI, endorses passive thoughts"), "denied" for a no ("asked about self-harm;
    she said there has been nothing"), "" when none is written."""
    positive = {"yes", "positive", "endorsed", "endorses", "present", "reports", "admits"}
    negative = {"no", "nothing", "none", "nil", "denied", "denies", "negative", "never"}
    j = match.end + 1
    while j < note.size and j - match.end <= ANSWER_REACH:
        word = note.folded[j]
        if word in SENTENCE_MARKS:
            break
        if word in positive:
            return "current"
        if word in negative or (word.endswith("n't") and word != "can't"):
            return "denied"
        if word in {"scored", "score", "=", ":"} and note.next_word(j).isdigit():
            return "current" if int(note.next_word(j)) > 0 else "denied"  # "item 9 scored 2"
        j += 1
    return ""
