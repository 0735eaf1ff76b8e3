"""Generated note text: sections, mood, risk, interventions and plan, from the phrase banks
(``data/phrases.toml``) and a seeded ``random.Random``.

Every choice is drawn from the one generator in a fixed order, so that the same seed writes the
same notes; another draw, another order of draws or another bank changes every generated
caseload (the benchmarks' data included).
"""

import random

from sessions.models import FORMAT_SECTIONS, NoteFormat

from .phrases import phrases

# A demo note, hand-written or generated, is as long as a real one: 300-3,000 characters.
NOTE_MIN_CHARS = 300
NOTE_MAX_CHARS = 3_000
# Themes whose presence raises a generated note's risk level (see draw_risk()).
RISK_THEMES = {"self-harm", "suicidal-thoughts"}


def theme_phrase(slug: str, names: dict[str, str]) -> str:
    """How a theme reads inside a sentence; a theme without a phrase reads as its name."""
    return phrases().theme_phrases.get(slug) or names.get(slug, slug).lower()


class NoteWriter:
    """Assembles note sections, mood, risk, interventions and plan from the phrase banks."""

    def __init__(self, rng: random.Random, theme_names: dict[str, str]) -> None:
        self.rng = rng
        self.names = theme_names
        self.bank = phrases()

    def _fill(self, template: str, values: dict[str, str]) -> str:
        rng = self.rng
        if "{event}" in template:
            values["event"] = rng.choice(self.bank.events)
        if "{person}" in template:
            values["person"] = rng.choice(self.bank.people)
        if "{tech}" in template:
            values["tech"] = rng.choice(self.bank.techniques)
        if "{reaction}" in template:
            values["reaction"] = rng.choice(self.bank.reactions)
        if "{affect}" in template:
            values["affect"] = rng.choice(self.bank.affects)
        if "{maintainer}" in template:
            values["maintainer"] = rng.choice(self.bank.maintainers)
        if "{progress}" in template:
            values["progress"] = rng.choice(self.bank.progress)
        if "{n}" in template:
            values["n"] = str(rng.randint(3, 8))
        if "{hours}" in template:
            values["hours"] = str(rng.randint(4, 8))
        if "{goal}" in template:
            values["goal"] = self._fill(rng.choice(self.bank.goals), values)
        return template.format_map(values)

    def _paragraph(self, banks: list[list[str]], values: dict[str, str], target: int) -> str:
        sentences: list[str] = []
        length = 0
        used: set[str] = set()
        for bank in banks:  # one sentence from each bank first, then more until long enough
            template = self.rng.choice([template for template in bank if template not in used])
            used.add(template)
            sentence = self._fill(template, values)
            sentences.append(sentence)
            length += len(sentence) + 1
        pool = list(dict.fromkeys(t for bank in banks for t in bank if t not in used))
        self.rng.shuffle(pool)
        while length < target and pool:
            sentence = self._fill(pool.pop(), values)
            sentences.append(sentence)
            length += len(sentence) + 1
        return " ".join(sentences)

    def note(self, note_format: str, themes: list[tuple[str, int]], risk: str) -> dict[str, str]:
        """Sections of ``note_format`` only, 300-3,000 characters in total."""
        rng = self.rng
        t1 = theme_phrase(themes[0][0], self.names)
        t2 = theme_phrase(themes[1][0], self.names) if len(themes) > 1 else "everyday stress"
        values = {"t1": t1, "t2": t2}
        sections = FORMAT_SECTIONS[NoteFormat(note_format)]
        total = rng.randint(NOTE_MIN_CHARS + 100, 1_500)
        share = total // len(sections)
        bank = self.bank
        banks = {
            "subjective": [bank.subjective, bank.subjective],
            "objective": [bank.observed, bank.observed],
            "data": [bank.subjective, bank.observed],
            "behaviour": [bank.observed, bank.subjective],
            "goal": [bank.goal_openers, bank.goal_lines],
            "intervention": [bank.intervention, bank.intervention],
            "response": [bank.response, bank.response],
            "assessment": [bank.assessment, bank.assessment],
            "narrative": [
                bank.narrative_openers,
                bank.subjective,
                bank.intervention,
                bank.response,
                bank.assessment,
            ],
        }
        note = {key: self._paragraph(banks[key], values, share) for key in sections}
        if risk in ("moderate", "high"):
            last = sections[-1]
            note[last] += " Risk increased this session; see the risk section for the plan agreed."
        # Keep within bounds whatever the banks produce.
        while sum(map(len, note.values())) < NOTE_MIN_CHARS:
            key = sections[-1]
            note[key] += " " + self._fill(rng.choice(self.bank.assessment), values)
        while sum(map(len, note.values())) > NOTE_MAX_CHARS:
            key = max(note, key=lambda k: len(note[k]))
            head, separator, _ = note[key].rpartition(". ")
            note[key] = head + "." if separator else note[key][: len(note[key]) // 2]
        return note

    def plan(self, themes: list[tuple[str, int]], risk: str) -> str:
        values = {"t1": theme_phrase(themes[0][0], self.names), "t2": ""}
        if risk in ("moderate", "high"):
            return self.bank.safety_plan
        return self._fill(self.rng.choice(self.bank.plans), values)

    def interventions(self) -> str:
        chosen = self.rng.sample(self.bank.techniques, self.rng.randint(1, 3))
        text = "; ".join(chosen)
        return text[:1].upper() + text[1:] + "."


def draw_risk(rng: random.Random, themes: list[tuple[str, int]]) -> tuple[str, str]:
    """Risk level and notes; a raised level always comes with a matching risk theme."""
    risk_themes = [slug for slug, _ in themes if slug in RISK_THEMES]
    if risk_themes:
        level = rng.choices(["low", "moderate", "high"], weights=[50, 45, 5])[0]
    else:
        level = rng.choices(["none", "low", "moderate"], weights=[78, 20, 2])[0]
    notes = rng.choice(phrases().risk_notes[level])
    if level in ("moderate", "high") and not risk_themes:
        themes.append(("self-harm" if "self-harm" in notes else "suicidal-thoughts", 2))
    return level, notes
