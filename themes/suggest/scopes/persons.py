"""Who a mention is about: the client, or someone the note names (a relative, a friend, a
speaker whose words are reported)."""

from dataclasses import dataclass

from themes import lexicon

from ..tokens import SENTENCE_MARKS, Note

PERSON_LOOKBACK = 8  # tokens before a match searched for its subject
FEMININE = frozenset({"she", "her", "hers"})
MASCULINE = frozenset({"he", "him", "his"})
FIRST_PERSON = frozenset({"i", "me", "my", "myself", "we", "us", "our"})
QUOTES = frozenset("'\"\u2018\u2019\u201c\u201d")
ANYONE = frozenset({"others", "other", "people", "someone", "anyone", "everyone", "risk"})
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
    # "his years of self-harm" when the client is "she"; "her" is also an object, so only "his".
    opposite_owner = {"his"} if "he" in opposite else set()
    before = note.folded[start - 1] if start else ""
    owner = before[:-2] if before.endswith("'s") else ""
    if owner in others:
        # "a celebrity's suicide", "her mother's overdose"; never a name, which may well be
        # the client's own ("Noor's self-harm").
        return True
    subject = note.folded[start]
    if subject in client and not _speaker_is(note, start, client):
        return False  # the cue names its subject: "I'll stab him", "she will end it"
    if subject in opposite or (subject in client and _speaker_is(note, start, client)):
        return True
    object_pronoun = note.prev_word(start) in {"her", "him", "them"} and start >= 2
    if object_pronoun and note.folded[start - 2] not in others:
        return False  # "found her cutting", "caught him scratching": the client does it
    heading = [w for w in facts.heading_of_line[facts.line_of[start]] if w not in ANYONE]
    # "Pt's partner: ..." names the partner; the client's name there is only the possessor.
    subjects = [w for w in heading if not w.endswith("'s")]
    subjects = [w.split("'")[0] for w in subjects]
    if any(w.split("'")[0] in others for w in heading) and not any(w in client for w in subjects):
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
        if word in opposite or word in opposite_owner:
            return True
        if j >= 2 and note.folded[j - 1] in {"a", "an"} and note.folded[j - 2] == "as":
            continue  # "as a teenager": the client, younger
        if word in others or word.rstrip("s") in others:
            owner = note.folded[j].endswith(("'s", "s'"))  # "a celebrity's suicide"
            relative = note.next_word(j) in {"who", "that", ","}  # "a teenager who self-harms"
            if _object_of(note, j) and not owner and not relative:
                continue  # "threw a chair at his sister and has threatened ...": not the subject
            # "her mum found a noose ...": a report about the client, not about the mother;
            # but "her husband reports his own suicidal thoughts" is his.
            reporter = note.next_word(j) in REPORTERS
            own = "own" in note.folded[j + 2 : j + 5]
            return not reporter or own
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
            if word in SENTENCE_MARKS:
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
            return list(note.folded[start:k])
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
