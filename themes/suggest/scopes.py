"""Scopes: which words of a note a negation, a history marker, a condition, a safety plan or a
question covers; who a mention is about; and the regions no cue counts in (measure names,
idioms, headings, the plan).

Each scope opens at a marker and runs forward over the following words until a clause
boundary (. ; : ! ? a dash, a line break, "but", "however"), a scope breaker ("reports",
"currently", "because"), a new clause with the client as subject (", she ...", "as she ...")
or MAX_SCOPE words. Every function takes a ``Note`` and answers per token, so each rule can be
tested, and switched off in a test, on its own.
"""

import datetime
from dataclasses import dataclass
from functools import cache

from themes import lexicon

from .patterns import Match, Matcher, compile_pattern
from .tokens import SEPARATORS, Note

MAX_SCOPE = 10  # words a negation, history or condition marker reaches forward
MAX_LISTED = 8  # other mentions passed over after a match, looking for its negation
POST_WINDOW = 6  # tokens after a match searched for "... years ago", "... denied"
SENTENCE_REACH = 60  # tokens a safety plan or history heading covers, at most
HISTORY_WINDOW = 10  # tokens after a match searched for "... eleven years ago"
PERSON_LOOKBACK = 8  # tokens before a match searched for its subject
ASSESSMENT_REACH = 14  # tokens an assessment word reaches: "asked directly whether she had ..."
ANSWER_REACH = 16  # tokens after a screened mention searched for the answer
FEMININE = frozenset({"she", "her", "hers"})
MASCULINE = frozenset({"he", "him", "his"})
THIS_YEAR = datetime.date.today().year
HISTORY_MARKERS = frozenset({"hx", "history", "h", "past", "used", "gave"})
AGE_WORDS = frozenset(
    {
        "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
        "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        "thirty", "forty", "fifty"
    }
)  # fmt: skip
FEW = frozenset({"a", "an", "one", "two", "three", "couple", "few", "1", "2", "3"})
# Before "should", these make it advice, not a condition ("she should call").
ADVISED = frozenset(
    {"she", "he", "they", "i", "you", "we", "it", "this", "that", "client", "pt", "who"}
)
# Before "if", these make it the content of a thought: "the thought that if ...".
IDEATION = frozenset(
    {"thought", "thoughts", "thinking", "thinks", "think", "wish", "wishes", "wishing",
     "fantasy", "fantasies", "fantasises", "fantasizes", "imagines", "imagining", "idea"}
)  # fmt: skip
FIRST_PERSON = frozenset({"i", "me", "my", "myself", "we", "us", "our"})
UNWANTED = frozenset(
    {
        "horrible", "awful",
        "unwanted", "intrusive", "appals", "appalled", "appal", "horrifies", "horrified", "horrify",
        "disgust", "disgusts", "disgusted", "dystonic", "egodystonic"
    }
)  # fmt: skip
THOUGHTS = frozenset(
    {
        "thought", "thoughts", "image", "images", "picture", "pictures", "urge", "urges",
        "intrusive", "intrusions", "flashes", "idea", "ideas", "fantasy", "fantasies"
    }
)  # fmt: skip
JEST = frozenset(
    {"laughing", "laughed", "joking", "jokingly", "joked", "jest", "laughs", "jokes", "joke"}
)
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
ENQUIRED = frozenset({"explored", "discussed", "reviewed", "checked", "enquired", "wondered"})
PARTITIVE = frozenset({"one", "some", "many", "all", "most", "none", "two", "several", "both"})
PREPOSITIONS = frozenset(
    {"at", "to", "with", "for", "from", "towards", "toward", "against", "on", "about", "by", "of"}
)
REPORTERS = frozenset(
    [
        "found",
        "finds",
        "discovered",
        "saw",
        "noticed",
        "caught",
        "reports",
        "reported",
        "says",
        "said",
        "told",
        "rang",
        "called",
        "phoned",
        "emailed",
        "texted",
        "worried",
    ]
)
MAIN_CLAUSE = frozenset({"will", "would", "shall", "going", "gonna", "is", "'s"})
QUOTES = frozenset("'\"\u2018\u2019\u201c\u201d")
ANYONE = frozenset({"others", "other", "people", "someone", "anyone", "everyone", "risk"})
JOINERS = frozenset({"of", "about", "or", "and"})
PLAN_HEADINGS = frozenset({"plan", "p", "homework", "tasks", "task", "actions", "next"})


@cache
def _phrases(name: str) -> Matcher:
    """A matcher over one of the pattern lists of words.toml (measures, not_cues, ...)."""
    cues = []
    for pattern in lexicon.words().patterns[name]:
        try:
            cues += compile_pattern(pattern, name)
        except ValueError as exc:
            raise lexicon.LexiconError(f"words.toml [lists] {name}: {exc}") from None
    return Matcher(cues)


def phrases(note: Note, name: str) -> list[Match]:
    """Matches of one pattern list in the note: found with the cues in one pass by
    ``suggest()`` (``note.phrases``), or here when a scope is used on its own."""
    if note.phrases is not None:
        return note.phrases.get(name, [])
    return _phrases(name).find(note)


# --- regions where cues do not count ------------------------------------------------------------


def mask_regions(note: Note) -> None:
    """Mask measure names ("PHQ-9", "GAD-7") and idioms that only look like cues ("took over
    her life", "dying to see"): no cue matches a masked word."""
    for name in ("measures", "not_cues"):
        for match in phrases(note, name):
            for i in range(match.start, match.end + 1):
                note.masked[i] = True


def headings(note: Note) -> list[bool]:
    """Words of a heading: up to three words at the start of a line followed by a colon
    ("Sleep:", "Mood and affect:"). A theme is not suggested from its own heading."""
    heading = [False] * note.size
    line_start = 0
    for i in range(note.size + 1):
        if i == note.size or note.folded[i] == "\n":
            line_start = i + 1
            continue
        short = 0 < i - line_start <= 3
        if note.folded[i] == ":" and short and all(note.is_word[line_start:i]):
            for k in range(line_start, i):
                heading[k] = True
    return heading


def plan_region(note: Note, plan_from: int, heading: list[bool] | None = None) -> list[bool]:
    """Words of the plan: the plan field (from token ``plan_from``) and, in the note's text,
    a "Plan:" / "P:" / "Homework:" section up to the next blank line or heading. Tasks set
    for later are not evidence of what the session touched."""
    inside = [False] * min(plan_from, note.size) + [True] * max(0, note.size - plan_from)
    heading = headings(note) if heading is None else heading
    starts = [i for i in range(min(plan_from, note.size)) if heading[i]]
    if not any(note.folded[i] in PLAN_HEADINGS for i in starts):
        return inside
    active = False
    for i in range(min(plan_from, note.size)):
        word = note.folded[i]
        if word == "\n" and i + 1 < note.size and note.folded[i + 1] == "\n":
            active = False
        elif heading[i] and (i == 0 or not heading[i - 1]):
            active = word in PLAN_HEADINGS
        inside[i] = inside[i] or active
    return inside


# --- negation -----------------------------------------------------------------------------------


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


# --- history ------------------------------------------------------------------------------------


def history_scopes(note: Note) -> list[int]:
    """For each token, the history marker ("history of", "previously") covering it, or -1."""
    governed = [-1] * note.size
    words = lexicon.words()
    markers = words.history | HISTORY_MARKERS
    for t in range(note.size):
        if note.folded[t] in markers and _is_history_marker(note, t, words):
            if ":" in note.folded[t + 1 : t + 3]:
                _sentence_scope(note, t + 1, t, governed)  # "Past history: ...; ..."
            else:
                extend_scope(note, t, governed)
    for match in phrases(note, "history_before"):
        # A time phrase sets the scene for its whole clause, so it reaches further.
        extend_scope(note, match.end, governed, most=2 * MAX_SCOPE)
    for t in range(note.size):
        word = note.folded[t]
        if word.isdigit() and len(word) == 4 and 1950 <= int(word) < THIS_YEAR:
            extend_scope(note, t, governed)  # "in 2008, after a suicide attempt"
    return governed


def post_history(note: Note) -> set[int]:
    """Starts of history phrases that mark a mention before them as past ("... years ago",
    "... as a teenager"), except a recent "N days/weeks ago", which is current."""
    found = set()
    for i in range(note.size - 1):
        # "at 16", "aged 19": an age is the past; so is a year before this one ("OD 2016").
        word, following = note.folded[i], note.folded[i + 1]
        age = word in {"at", "aged", "age"} and (
            (following.isdigit() and 4 < int(following) < 100) or following in AGE_WORDS
        )
        year = word.isdigit() and len(word) == 4 and 1950 <= int(word) < THIS_YEAR
        if age or year:
            found.add(i)
    for match in phrases(note, "history_after"):
        if note.folded[match.start] == "ago" and _recent_ago(note, match.start):
            continue
        found.add(match.start)
    return found


def _recent_ago(note: Note, ago: int) -> bool:
    """ "three days ago", "a couple of weeks ago", "a month ago": recent enough to be current."""
    unit = note.prev_word(ago)
    if unit in lexicon.words().recent_units:
        return True
    if unit in {"7", "52"} and ago >= 2 and note.folded[ago - 2].isdigit():
        return True  # clinical shorthand: "2/7 ago" is two days, "3/52 ago" three weeks
    if unit == "12" and ago >= 2 and note.folded[ago - 2] in FEW:
        return True  # "2/12 ago": two months
    if unit in {"month", "months"}:
        count = {note.folded[k] for k in range(max(0, ago - 4), ago - 1)}
        return bool(count & FEW)
    return False


def _is_history_marker(note: Note, t: int, words: lexicon.Words) -> bool:
    word, following, before = note.folded[t], note.next_word(t), note.prev_word(t)
    if word == "hx":
        return True
    if word == "history":
        return following in {"of", ":"} or before in {"family", "past"}
    if word == "h" and following == "o":
        return True
    if word == "past":
        # "in the past", "past episodes"; not "getting past the depression", "the past week".
        return before not in words.moving_past and not (
            following in words.time or following.isdigit()
        )
    if word in words.history:
        return not (following in words.time or following.isdigit() or following == "to")
    if word == "used":
        return following == "to" and before not in {"got", "get"}
    return word == "gave" and following == "up"


def historical(
    note: Note,
    match: Match,
    history_by: list[int],
    post: set[int],
    others: frozenset[int] = frozenset(),
) -> bool:
    """Whether a history marker covers the match (before it, or shortly after it in the same
    clause), with no current marker ("again", "this week") between it and shortly after.
    A marker after the start of another mention (``others``) dates that one: "+si, hx OD
    2016"."""
    marker = history_by[match.start]
    if any(history_by[i] in match.positions for i in match.positions):
        marker = -1  # the marker is part of the cue: "stopped replying to messages"
    after = note.clause_ahead(match.end, HISTORY_WINDOW)
    for n, i in enumerate(after):
        if i in others and i not in match.positions:
            after = after[:n]
            break
    if marker < 0:
        if not any(i in post for i in after) and not _looking_back(note, match.end, post):
            return False
        marker = match.end
    between = range(min(marker, match.start) + 1, match.end + 1)
    nearby = [*between, *after[:4]]
    return not any(is_current_marker(note, i) for i in nearby)


def _looking_back(note: Note, end: int, post: set[int]) -> bool:
    """ "..., but that was over a decade ago": a clause that only dates what came before."""
    j, stop = end + 1, min(note.size, end + 20)
    while j < stop and note.folded[j] not in {"but", ",", ";", ".", "\n"}:
        j += 1
    if j + 1 < note.size and note.folded[j] in {",", ";"} and note.folded[j + 1] == "but":
        j += 1
    if j + 2 >= note.size:
        return False
    if note.folded[j + 1] not in {"that", "this", "it", "which", "nothing", "none", "no", "never"}:
        return False
    ahead = range(j + 1, min(note.size, j + 12))
    return any(k in post or note.folded[k] == "since" for k in ahead)


def since_long_ago(note: Note, match: Match) -> bool:
    """ "hasn't self-harmed since she was twenty", "no incidents since 2015": a denial that
    dates the last time, so the mention is history."""
    ahead = note.clause_ahead(match.end, POST_WINDOW + 2)
    for n, i in enumerate(ahead):
        if note.folded[i] == "since":
            rest = [note.folded[k] for k in ahead[n + 1 : n + 4]]
            if not rest or rest[0] in {"then", "childhood", "adolescence", "school"}:
                return True  # "has not felt like that since", "nothing since then"
            if any(w in {"was", "were", "school", "university", "childhood"} for w in rest):
                return True
            if any(w.isdigit() and len(w) == 4 for w in rest):
                return True
    return False


def is_current_marker(note: Note, i: int) -> bool:
    words = lexicon.words()
    word = note.folded[i]
    if word in words.current:
        return True
    if word == "ago":
        return _recent_ago(note, i)
    return word in {"this", "last", "past"} and note.next_word(i) in words.time


# --- conditions, safety plans, questions -------------------------------------------------------


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


def _sentence_scope(note: Note, j: int, t: int, governed: list[int], stop: str = "") -> None:
    """Mark from token j to the end of the sentence (or a scope breaker) as governed by t."""
    words = lexicon.words()
    last = min(note.size, j + SENTENCE_REACH)
    while j < last and note.folded[j] not in {".", "!", "?", "\n", stop}:
        if note.is_word[j] and note.folded[j] in words.scope_breakers:
            break
        governed[j] = t
        j += 1


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
        asked = word == "whether" and note.prev_word(t) in ENQUIRED
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
        if j >= 0 and note.folded[j] == ":":
            j -= 1
        while j >= 0 and t - j <= 7 and not note.boundary[j] and note.folded[j] != ",":
            governed[j] = governed[j] if governed[j] >= 0 else t
            j -= 1
    start = 0
    for i in range(note.size):
        if note.folded[i] in {".", "!", "\n"}:
            start = i + 1
        elif note.folded[i] == "?":
            sentence = note.folded[start:i]
            own_words = any(w in {"i", "me", "my", "myself"} or w in QUOTES for w in sentence)
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


def answer(note: Note, match: Match) -> str:
    """The answer recorded after a screened mention: "current" for a yes ("SI: positive",
    "asked about SI, endorses passive thoughts"), "denied" for a no ("asked about self-harm;
    she said there has been nothing"), "" when none is written."""
    positive = {"yes", "positive", "endorsed", "endorses", "present", "reports", "admits"}
    negative = {"no", "nothing", "none", "nil", "denied", "denies", "negative", "never"}
    j = match.end + 1
    while j < note.size and j - match.end <= ANSWER_REACH:
        word = note.folded[j]
        if word in {".", "!", "?", "\n"}:
            break
        if word in positive:
            return "current"
        if word in negative or (word.endswith("n't") and word != "can't"):
            return "denied"
        if word in {"scored", "score", "=", ":"} and note.next_word(j).isdigit():
            return "current" if int(note.next_word(j)) > 0 else "denied"  # "item 9 scored 2"
        j += 1
    return ""


# --- who a mention is about ---------------------------------------------------------------------


def client_pronouns(note: Note) -> frozenset[str]:
    """The client's words: "client", "pt", "I" and the pronouns the note mostly uses for the
    client. When "she/her" outnumber "he/him" two to one, "he" is someone else, and the
    other way round; otherwise both may be the client. Reflexives are not counted: they
    belong to the mention itself ("hurt himself")."""
    words = lexicon.words()
    feminine = sum(1 for w in note.folded if w in FEMININE)
    masculine = sum(1 for w in note.folded if w in MASCULINE)
    client = set(words.client)
    if feminine >= 2 and feminine >= 2 * masculine:
        client -= MASCULINE
    elif masculine >= 2 and masculine >= 2 * feminine:
        client -= FEMININE
    return frozenset(client)


def someone_else(note: Note, start: int, client: frozenset[str]) -> bool:
    """Whether the nearest person named before the match is someone other than the client.

    In the client's own quoted words ("My boyfriend said he'd ..."), "I" is the client and
    "he" or "she" is someone else."""
    words = lexicon.words()
    others = words.other_people
    facts = _facts(note)
    if facts.quoted_first_person[start]:
        client = frozenset(client - {"she", "he", "they"})
    opposite = {"she", "he"} - client  # the subject pronoun the client is not
    subject = note.folded[start]
    if subject in client and not _speaker_is(note, start, client):
        return False  # the cue names its subject: "I'll stab him", "she will end it"
    if subject in opposite or (subject in client and _speaker_is(note, start, client)):
        return True
    object_pronoun = note.prev_word(start) in {"her", "him", "them"} and start >= 2
    if object_pronoun and note.folded[start - 2] not in others:
        return False  # "found her cutting", "caught him scratching": the client does it
    heading = [w for w in facts.heading_of_line[facts.line_of[start]] if w not in ANYONE]
    if heading and any(w in others for w in heading) and not any(w in client for w in heading):
        return True  # "Partner: hx violence, recent threats to harm pt's son"
    for j in range(start - 1, max(-1, start - 1 - PERSON_LOOKBACK), -1):
        word = note.folded[j]
        relative = word == "," and note.next_word(j) in {"who", "whose"}  # "her son, who ..."
        if note.boundary[j] or (word == "," and not relative) or word in words.hypothetical:
            return False
        word = word.split("'")[0]
        if word in client:
            whose = note.folded[j + 2] if j + 2 < note.size else ""
            if note.next_word(j) == "of" and whose in {"hers", "his", "theirs", "mine"}:
                return True  # "a patient of hers"
            return _speaker_is(note, j, client)
        if word in opposite:
            return True
        if j >= 2 and note.folded[j - 1] in {"a", "an"} and note.folded[j - 2] == "as":
            continue  # "as a teenager": the client, younger
        if word in others or word.rstrip("s") in others:
            owner = note.folded[j].endswith(("'s", "s'"))  # "a celebrity's suicide"
            relative = note.next_word(j) in {"who", "that", ","}  # "a teenager who self-harms"
            if _object_of(note, j) and not owner and not relative:
                continue  # "threw a chair at his sister and has threatened ...": not the subject
            # "her mum found a noose ...": a report about the client, not about the mother.
            return note.next_word(j) not in REPORTERS
    return False


@dataclass
class _Facts:
    """Per-note facts that several mentions ask for, computed once."""

    quoted_first_person: list[bool]  # token -> its sentence so far holds a quote and "I"/"we"
    line_of: list[int]  # token -> its line's number
    heading_of_line: list[list[str]]  # line -> the words of its heading, or []


def _facts(note: Note) -> _Facts:
    cached = note.cache.get("facts")
    if cached is None:
        line_of, quoted, headings = [], [], []
        line = 0
        has_quote = has_first = False
        line_start = sentence_start = 0
        for i, word in enumerate(note.folded):
            line_of.append(line)
            quoted.append(has_quote and has_first)  # what stands before token i
            has_quote = has_quote or word in QUOTES
            has_first = has_first or word in FIRST_PERSON
            if word in {".", "!", "?", "\n"}:
                if note.folded[sentence_start] in QUOTES:
                    # A sentence that is the client's own words: "I" or "we" anywhere in it.
                    spoken = any(w in FIRST_PERSON for w in note.folded[sentence_start:i])
                    for k in range(sentence_start, i):
                        quoted[k] = quoted[k] or spoken
                has_quote = has_first = False
                sentence_start = i + 1
            if word == "\n":
                headings.append(_line_heading(note, line_start))
                line += 1
                line_start = i + 1
        headings.append(_line_heading(note, line_start) if line_start < note.size else [])
        cached = note.cache["facts"] = _Facts(quoted, line_of, headings)
    return cached


def _object_of(note: Note, j: int) -> bool:
    """Whether the person named at j is the object of a preposition ("at his sister")."""
    k = j - 1
    if k >= 0 and note.folded[k] in {"her", "his", "their", "my", "the", "a", "an"}:
        k -= 1
    partitive = note.folded[k] == "of" and note.prev_word(k) in PARTITIVE  # "one of the girls"
    return k >= 0 and note.folded[k] in PREPOSITIONS and not partitive


def _line_heading(note: Note, start: int) -> list[str]:
    """The words of a heading at the start of the line beginning at ``start`` ("Pt's
    partner:"), or []."""
    for k in range(start, min(note.size, start + 5)):
        if note.folded[k] == ":":
            return [w.split("'")[0] for w in note.folded[start:k]]
        if not note.is_word[k]:
            return []
    return []


def _speaker_is(note: Note, j: int, client: frozenset[str]) -> bool:
    """Whether the pronoun at j stands for someone the note reports speaking ("her bf says
    he'll hurt himself"): a speech verb just before it whose subject is a man for "he" or a
    woman for "she". When the client is known to be that gender too ("her mum says she has
    been cutting"), the pronoun stays the client's: a missed risk costs more than a wrong one."""
    words = lexicon.words()
    pronoun = note.folded[j]
    if pronoun not in {"he", "she"}:
        return False
    k = j - 1
    if k >= 0 and note.folded[k] == "that":
        k -= 1
    if k < 0 or note.folded[k] not in words.speech_verbs:
        return False
    if pronoun in client and ({"he", "she"} - {pronoun}).isdisjoint(client):
        return False  # the client is known to be "she" (or "he") as well
    gender = words.male_people if pronoun == "he" else words.female_people
    return any(note.folded[m].split("'")[0] in gender for m in range(max(0, k - 4), k))


def unwanted(note: Note, match: Match) -> bool:
    """Whether a thought of harm is called unwanted ("intrusive images of harming the baby",
    "the thought appals her"): an obsession, denied. It needs a thought, image or urge in the
    mention's clause; a done act ("pinned his son by the throat; he is horrified") is not."""
    facts = _sentence_facts(note, match.start)
    if not facts["unwanted"]:
        return False
    clause = range(max(note.clause_start(match.start), match.start - 30), match.end + 1)
    return any(note.folded[k] in THOUGHTS for k in clause)


def in_jest(note: Note, match: Match) -> bool:
    """Whether the mention's clause says the words were a joke ("'I wanted to die,' she said,
    laughing"), and nothing in it denies that ("did not appear to be joking", "then stopped
    laughing"). A later clause stands apart: "joking about killing himself, but he has bought
    a rope"."""
    facts = _sentence_facts(note, match.start)
    return any(start <= match.start <= end for start, end in facts["jest"])


def _sentence_facts(note: Note, i: int) -> dict:
    """For the sentence holding token i: whether it calls a thought unwanted, and the clauses
    (first, last token) that say the words were a joke; computed once per sentence."""
    start = note.sentence_start(i)
    cache = note.cache.setdefault("sentence_facts", {})
    facts = cache.get(start)
    if facts is None:
        end = note.sentence_end(i)
        clauses, first = [], start
        for k in range(start, end + 1):
            if k == end or (note.boundary[k] and note.folded[k] not in {":", "-"}):
                clauses.append((first, k))
                first = k + 1
        jest = []
        for first, last in clauses:
            joking = False
            for k in range(first, last):
                if note.folded[k] in JEST and note.folded[k + 1 : k + 3] != ["it", "off"]:
                    before = range(max(first, k - 4), k)
                    if any(note.negation[n] or note.folded[n] == "stopped" for n in before):
                        joking = False
                        break  # "did not appear to be joking": no joke in this clause
                    joking = True
            if joking:
                jest.append((first, last))
        words = note.folded[start:end]
        facts = cache[start] = {"unwanted": bool(UNWANTED.intersection(words)), "jest": jest}
    return facts


def reported_speech(note: Note, start: int, client: frozenset[str]) -> bool:
    """Whether the words at ``start`` are someone else's, reported: "her husband calls her
    worthless", "mum told her she was selfish". The client's own report ("she says she feels
    worthless") is not."""
    words = lexicon.words()
    for j in range(start - 1, max(-1, start - 7), -1):
        if note.boundary[j]:
            return False
        if note.folded[j] in words.speech_verbs:
            for k in range(j - 1, max(-1, j - 4), -1):
                word = note.folded[k].split("'")[0]
                if note.boundary[k] or word in client:
                    return False
                if word in words.other_people or word.rstrip("s") in words.other_people:
                    return True
            return False
    return False


def overlapping(matches: list[Match], note: Note | None = None) -> list[list[Match]]:
    """Runs of matches whose token spans overlap, in order. With the note, also matches joined
    only by "of", "about", "or" ("passive thoughts of not waking up")."""
    clusters: list[list[Match]] = []
    reach = -1
    for match in sorted(matches, key=lambda m: (m.start, m.end)):
        joined = note is not None and 0 <= reach < match.start <= reach + 3
        if joined:
            joined = all(note.folded[k] in JOINERS for k in range(reach + 1, match.start))
        if clusters and (match.start <= reach or joined):
            clusters[-1].append(match)
        else:
            clusters.append([match])
        reach = max(reach, match.end) if len(clusters[-1]) > 1 else match.end
    return clusters
