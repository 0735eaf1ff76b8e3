"""History: whether a mention is in the past ("history of", "hx OD 2016", "at 16", "years
ago", "as a teenager") or recent enough to be current ("3 days ago", "2/7 ago", "again")."""

import datetime

from themes import lexicon

from ..matcher import Match
from ..tokens import Note
from .negation import MAX_SCOPE, POST_WINDOW, _sentence_scope, extend_scope
from .regions import phrases

HISTORY_WINDOW = 10  # tokens after a match searched for "... eleven years ago"
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
        if note.sentence_start(match.start) == match.start:
            # "Years ago, while nursing her husband, she had thoughts of ..." : a sentence that
            # opens with a time phrase is set in that time throughout.
            _sentence_scope(note, match.end + 1, match.end, governed)
        else:
            # A time phrase sets the scene for its whole clause, so it reaches further.
            extend_scope(note, match.end, governed, most=2 * MAX_SCOPE)
    for t in range(note.size):
        word = note.folded[t]
        if word.isdigit() and len(word) == 4 and 1950 <= int(word) < THIS_YEAR:
            extend_scope(note, t, governed)  # "in 2008, after a suicide attempt"
        elif word in {"at", "aged"} and note.next_word(t) in AGE_WORDS:
            extend_scope(note, t + 1, governed)  # "a dark patch at forty where I planned ..."
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
    j, stop = end + 1, min(note.size, end + 30)
    for _ in range(1):  # the clause right after only: further on it may date something else
        while j < stop and note.folded[j] not in {"but", ",", ";", ".", "\n"}:
            j += 1
        if j + 1 < note.size and note.folded[j] in {",", ";"} and note.folded[j + 1] == "but":
            j += 1
        if j + 2 >= note.size:
            return False
        if note.folded[j + 1] in {"that", "this", "it", "which", "nothing", "none", "no", "never"}:
            ahead = range(j + 1, min(note.size, j + 12))
            return any(k in post or note.folded[k] == "since" for k in ahead)
        j += 1
    return False


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
    following = note.next_word(i)
    # "last night" is recent; "the last time she self-harmed" may be years ago.
    return word in {"this", "last", "past"} and following in words.time and following != "time"
