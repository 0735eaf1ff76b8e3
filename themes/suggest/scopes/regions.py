"""Where cues do not count, and which mentions go together: measure names and idioms
(masked), headings, the plan, and runs of overlapping mentions. Also the matcher for the pattern
lists of words.toml (measure names, "in case", "will ring", ...)."""

from functools import cache

from themes import lexicon

from ..matcher import Match, Matcher
from ..patterns import compile_pattern
from ..tokens import Note

PLAN_HEADINGS = frozenset({"plan", "p", "homework", "tasks", "task", "actions", "next"})
JOINERS = frozenset({"of", "about", "or", "and"})


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
