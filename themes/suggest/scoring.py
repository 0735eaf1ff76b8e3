"""Theme scores: which cue matches count for a theme, their summed weight, and the evidence
phrases shown to the therapist."""

from dataclasses import dataclass

from .matcher import Match, element_matches
from .tokens import Note

THRESHOLD = 1.0  # summed cue weight a theme needs: one strong phrase, or several weaker cues
SCORE_CAP = 2.0  # summed weight that maps to score 1.0


@dataclass(frozen=True)
class ThemeSuggestion:
    slug: str
    name: str
    category: str
    score: float
    evidence: list[str]


def evidence_end(note: Note, match: Match, negated_by: list[int]) -> int:
    """Where the evidence for a match ends: a proximity cue's last word may be followed by more
    of the same ("mother was cold and dismissive"), within its window, un-negated."""
    parts, end = match.cue.parts, match.end
    if len(parts) < 2 or not isinstance(parts[-2], int):
        return end
    last = parts[-1]
    for j in range(match.end + 1, min(note.size, match.end + 2 + parts[-2])):
        if note.boundary[j] or negated_by[j] >= 0:
            break
        if element_matches(note, last, j):
            end = j
    return end


def score(note: Note, found: list[tuple[Match, float, int]]) -> tuple[float, list[str]]:
    """Sum of weights over groups of overlapping matches (each cue counted once), and the
    evidence: each group's text from the original note, in order, without repeats."""
    found.sort(key=lambda item: (item[0].start, -item[2]))
    groups: list[list[tuple[Match, float, int]]] = []
    reach = -1
    for item in found:
        if groups and item[0].start <= reach:
            groups[-1].append(item)
            reach = max(reach, item[2])
        else:
            groups.append([item])
            reach = item[2]
    total, used, evidence, seen = 0.0, set(), [], set()
    for group in groups:
        fresh = [weight for match, weight, _ in group if match.cue.source not in used]
        total += max(fresh, default=0.0)
        used.update(match.cue.source for match, _, _ in group)
        phrase = note.span(min(m.start for m, _, _ in group), max(end for _, _, end in group))
        if phrase.casefold() not in seen:
            seen.add(phrase.casefold())
            evidence.append(phrase)
    return total, evidence


def suggestions(
    note: Note, weights: dict[str, list[tuple[Match, float, int]]], catalogue: dict
) -> list[ThemeSuggestion]:
    found = []
    for slug, matches in weights.items():
        total, evidence = score(note, matches)
        if total >= THRESHOLD:
            name, category = catalogue[slug]
            found.append(
                ThemeSuggestion(
                    slug, name, category, round(min(total, SCORE_CAP) / SCORE_CAP, 2), evidence
                )
            )
    found.sort(key=lambda s: (-s.score, s.name.casefold(), s.slug))
    return found
