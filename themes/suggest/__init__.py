"""Theme suggestions and risk flags from note text: a local, transparent lexicon matcher.

Pure Python, deterministic, no database, network or model. The cues and word lists are data
(``themes/data/*.toml``, loaded by ``themes/lexicon.py``); this package tokenises a note
(``tokens``), finds the cues (``patterns``), works out what each mention is about (``scopes``)
and turns matches into theme suggestions (``scoring``) and risk flags with a status (``risk``).
Nothing here stores anything: the therapist accepts or dismisses. ``service`` is the one place
that joins this to the database (the therapist's themes, dismissals, exclusions).

The one entry point is ``suggest(text, themes=None, *, plan="")``. Rules for themes:
- A cue inside a negation scope does not count; nor one in a measure name ("PHQ-9"), an idiom
  that only looks like a cue ("took over her life"), a heading ("Sleep:") or the plan.
- Themes about the client's present state (``client_state`` in themes.toml) count only for the
  client, now: not in the past, not about someone else, not in someone else's reported words
  ("her husband calls her worthless"). Self-concept themes are not taken from reported words
  either.
- A theme is suggested when the summed weight of its distinct matched cues reaches THRESHOLD.
Risk language always yields a flag with its status (``risk.py``); a current self-harm,
suicidal or harm-to-others mention also suggests the theme of the same name.
"""

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from themes import lexicon

from . import risk, scopes, scoring
from .matcher import Matcher
from .patterns import compile_pattern
from .risk import RiskFlag
from .scoring import THRESHOLD, ThemeSuggestion
from .tokens import Note

__all__ = [
    "THRESHOLD",
    "RiskFlag",
    "Suggestions",
    "ThemeSuggestion",
    "built_in_catalogue",
    "catalogue",
    "check",
    "compile_pattern",
    "suggest",
]


PHRASE = "list:"  # target prefix of the word lists' patterns in the one matcher


@dataclass(frozen=True)
class Suggestions:
    themes: list[ThemeSuggestion]
    risk: list[RiskFlag]

    def as_dict(self) -> dict:
        """The JSON shape of ``manage.py suggest_themes``."""
        return {
            "themes": [
                {
                    "theme": theme.slug,
                    "name": theme.name,
                    "category": theme.category,
                    "score": theme.score,
                    "evidence": list(theme.evidence),
                }
                for theme in self.themes
            ],
            "risk": [
                {
                    "kind": flag.kind,
                    "label": flag.label,
                    "status": flag.status,
                    "evidence": list(flag.evidence),
                }
                for flag in self.risk
            ],
        }


def built_in_catalogue() -> dict[str, tuple[str, str]]:
    return {slug: (e.name, e.category) for slug, e in lexicon.load().themes.items()}


def catalogue(themes: Iterable) -> dict[str, tuple[str, str]]:
    """slug -> (name, category) of Theme rows, e.g. ``catalogue(Theme.objects.active())``."""
    return {theme.slug: (theme.name, theme.category) for theme in themes}


def check() -> None:
    """Load the data files and compile every cue, so a bad entry fails at start-up with one
    error naming the file and the entry (``lexicon.LexiconError``)."""
    _matcher()


def suggest(
    text: str, themes: Mapping[str, tuple[str, str]] | None = None, *, plan: str = ""
) -> Suggestions:
    """Themes and risk flags for a note. ``themes`` maps slug to (name, category) of the themes
    that may be suggested (e.g. the active Theme rows); by default the built-in taxonomy.
    ``plan`` is the plan or homework: read for risk, never for themes."""
    catalogue = built_in_catalogue() if themes is None else themes
    plan = plan.strip()
    body = text.rstrip()
    note = Note(f"{body}\n\n{plan}" if plan else body)
    if not note.size:
        return Suggestions([], [])
    # The plan's first token: the first that starts after the body (the note is read once).
    starts = [start for start, _ in note.spans]
    plan_from = bisect.bisect_left(starts, len(body)) if plan else note.size
    # One pass finds the cues and the phrases the scopes need (measure names, "in case", ...).
    found_all = _matcher().find(note)
    note.phrases = {}
    for match in found_all:
        if match.cue.target.startswith(PHRASE):
            note.phrases.setdefault(match.cue.target.removeprefix(PHRASE), []).append(match)
    scopes.mask_regions(note)
    matches = [
        m
        for m in found_all
        if not m.cue.target.startswith(PHRASE) and not any(note.masked[i] for i in m.positions)
    ]
    consumed = {i for match in matches for i in match.negation_words}
    ctx = risk.Context(
        note=note,
        negated_by=scopes.negation_scopes(note, consumed),
        history_by=scopes.history_scopes(note),
        post_history=scopes.post_history(note),
        hypothetical_by=scopes.hypothetical_scopes(note),
        question_by=scopes.question_scopes(note),
        client=scopes.client_pronouns(note),
    )
    flags, risk_themes = risk.flags(ctx, [m for m in matches if m.cue.is_risk])
    weights = _theme_weights(ctx, [m for m in matches if not m.cue.is_risk], catalogue, plan_from)
    found = scoring.suggestions(note, weights, catalogue)
    for slug in risk_themes - {s.slug for s in found}:
        if slug in catalogue:
            evidence = [p for f in flags if f.current and _theme_of(f) == slug for p in f.evidence]
            name, category = catalogue[slug]
            found.append(ThemeSuggestion(slug, name, category, 1.0, evidence))
    found.sort(key=lambda s: (-s.score, s.name.casefold(), s.slug))
    return Suggestions(found, flags)


def _theme_of(flag: RiskFlag) -> str:
    return lexicon.load().risk_theme(flag.kind)


def _theme_weights(ctx: risk.Context, matches, catalogue, plan_from: int) -> dict:
    """Matches that count for a theme: about the client, not negated, not past where the theme
    is a present state, outside headings and the plan; grouped by theme."""
    note = ctx.note
    entries = lexicon.load().themes
    client_state = lexicon.load().client_state_themes
    heading = scopes.headings(note)
    in_plan = scopes.plan_region(note, plan_from, heading)
    negated_after: dict[int, int] = {}  # match end -> negation after it (many matches share one)
    # The scopes can only take matches away: a theme whose distinct cues cannot reach the
    # threshold even all together is not looked at further.
    best: dict[str, dict[str, float]] = {}
    for match in matches:
        cues = best.setdefault(match.cue.target, {})
        cues[match.cue.source] = max(cues.get(match.cue.source, 0.0), match.cue.weight)
    possible = {slug for slug, cues in best.items() if sum(cues.values()) >= THRESHOLD}
    statuses = {}
    for match in matches:
        slug = match.cue.target
        if slug not in possible or slug not in catalogue or in_plan[match.start]:
            continue
        if all(heading[i] for i in match.positions):
            continue
        present = slug in client_state
        if present and scopes.someone_else(note, match.start, ctx.client):
            continue
        own = present or entries[slug].category == "self_concept"
        if own and scopes.reported_speech(note, match.start, ctx.client):
            continue
        trigger = scopes.governing(ctx.negated_by, match)
        post = -1
        if trigger < 0:
            post = negated_after.get(match.end, -2)
            if post == -2:
                post = negated_after[match.end] = scopes.post_negation(note, match.end)
        past = present and scopes.historical(note, match, ctx.history_by, ctx.post_history)
        statuses[match] = (trigger >= 0 or post >= 0, past)
    by_target: dict[str, list] = {}
    for match in statuses:
        by_target.setdefault(match.cue.target, []).append(match)
    weights: dict[str, list] = {}
    for slug, group in by_target.items():
        for cluster in scopes.overlapping(group):
            negated = any(statuses[m][0] for m in cluster)
            past = any(statuses[m][1] for m in cluster)
            if negated or past:
                continue
            for match in cluster:
                end = scoring.evidence_end(note, match, ctx.negated_by)
                weights.setdefault(slug, []).append((match, match.cue.weight, end))
    return weights


@cache
def _matcher() -> Matcher:
    data = lexicon.load()
    cues = [
        cue
        for slug, entry in data.themes.items()
        for pattern, weight in entry.cues
        for cue in _compile(pattern, slug, weight, False, "themes.toml", slug)
    ]
    cues += [
        cue
        for kind, entry in data.risk.items()
        for pattern in entry.cues
        for cue in _compile(pattern, kind, 1.0, True, "risk.toml", kind)
    ]
    cues += [
        cue
        for name, patterns in data.words.patterns.items()
        for pattern in patterns
        for cue in _compile(pattern, PHRASE + name, 0.0, False, "words.toml", name)
    ]
    return Matcher(cues)


def _compile(pattern: str, target: str, weight: float, is_risk: bool, file: str, entry: str):
    try:
        return compile_pattern(pattern, target, weight, is_risk)
    except ValueError as exc:
        raise lexicon.LexiconError(f"{file} [{entry}]: {exc}") from None
