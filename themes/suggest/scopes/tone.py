"""How a thing was said: as a joke ("she said, laughing"), or as an unwanted, intrusive
thought ("the thought appals her")."""

from ..matcher import Match
from ..tokens import Note

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
