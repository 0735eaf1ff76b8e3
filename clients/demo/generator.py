"""Scale mode: many generated therapists, clients and sessions, for benchmarks.

Notes are assembled from phrase banks written for this project, with a seeded
``random.Random``: the same seed gives the same text, dates and themes. Each generated client
has a few "core" themes that keep returning, an occasional passing theme, and sometimes one theme
that only emerges part-way through the work, which is how themes behave in real caseloads.

Speed matters more than anything else here: objects are built in memory and written with
``bulk_create`` in batches, one transaction per therapist, and client numbers are assigned
directly (sequentially per therapist) instead of one ``create_client`` round trip per client.
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import reset_queries, transaction
from django.utils import timezone

from clients.models import Client, ClientStatus
from sessions.models import FORMAT_SECTIONS, NoteFormat, TherapySession
from themes.models import Theme

BENCH_USERNAME = "bench-therapist-{index:02d}"
BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - published benchmark login, fictional data
BATCH_SIZE = 1_000

MAX_THERAPISTS = 500
MAX_CLIENTS = 5_000
MAX_SESSIONS = 1_000
MAX_TOTAL_SESSIONS = 5_000_000
NOTE_MIN_CHARS = 300
NOTE_MAX_CHARS = 3_000
FORMATS = [choice.value for choice in NoteFormat]


class ScaleOptionError(ValueError):
    """Scale mode cannot run (bad options, missing taxonomy); the message is one readable line."""


@dataclass
class ScaleReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    clients: int = 0
    sessions: int = 0


def validate_scale_options(*, therapists: int, clients: int, sessions: int, seed: int) -> None:
    limits = (
        ("--therapists", therapists, MAX_THERAPISTS),
        ("--clients", clients, MAX_CLIENTS),
        ("--sessions", sessions, MAX_SESSIONS),
    )
    for option, value, upper in limits:
        if not 1 <= value <= upper:
            raise ScaleOptionError(f"{option} must be between 1 and {upper:,} (got {value}).")
    total = therapists * clients * sessions
    if total > MAX_TOTAL_SESSIONS:
        raise ScaleOptionError(
            f"That would create {total:,} sessions; the limit is {MAX_TOTAL_SESSIONS:,}."
        )
    if seed < 0:
        raise ScaleOptionError(f"--random-seed must be zero or positive (got {seed}).")


# --- phrase banks ----------------------------------------------------------------------------
# How a theme reads inside a sentence. Custom themes fall back to their lower-cased name.
THEME_PHRASES = {
    "maternal-rejection": "their mother's coolness towards them",
    "paternal-rejection": "their father's distance and disapproval",
    "emotional-neglect": "growing up with feelings nobody noticed",
    "fear-of-abandonment": "the fear of being left",
    "parentification": "having looked after a parent as a child",
    "enmeshment": "how hard it is to feel separate from their family",
    "loyalty-conflict": "the guilt that comes with criticising a parent",
    "intergenerational-patterns": "patterns handed down through the family",
    "worthlessness": "the belief that they are not enough",
    "shame": "shame about who they are",
    "self-doubt": "constant second-guessing of their own judgement",
    "perfectionism": "exacting standards and a dread of mistakes",
    "people-pleasing": "bending themselves to keep others happy",
    "external-validation": "needing reassurance from others to feel acceptable",
    "boundary-difficulties": "difficulty saying no",
    "difficulty-trusting": "expecting to be let down by people close to them",
    "fear-of-intimacy": "keeping people at arm's length",
    "fear-of-rejection": "anticipating rejection before it happens",
    "hyper-adaptation": "changing shape to fit in with every group",
    "substance-use": "drinking to take the edge off difficult feelings",
    "avoidance": "putting off whatever feels threatening",
    "emotional-numbing": "feeling flat and cut off from their emotions",
    "low-mood": "low mood and loss of energy",
    "anxiety": "worry and physical tension",
    "anger": "irritability and flashes of anger",
    "grief-and-loss": "the loss they are grieving",
    "guilt": "persistent self-blame",
    "self-harm": "urges to hurt themselves",
    "suicidal-thoughts": "passing thoughts of not wanting to be alive",
    "parenting": "the demands of parenting",
    "couple-conflict": "tension with their partner",
    "family-conflict": "strain within the wider family",
    "work-stress": "pressure at work",
    "sleep": "broken and unrefreshing sleep",
    "eating": "their relationship with food",
    "trauma": "intrusive memories of the traumatic event",
    "domestic-violence": "the abusive relationship and its aftermath",
    "re-enactment": "old relational patterns showing up in the therapy itself",
    "rupture-and-repair": "a strain in the working relationship",
    "ambivalence": "mixed feelings about changing",
}
RISK_THEMES = {"self-harm", "suicidal-thoughts"}

# Coherent clusters from which a client's core themes are drawn.
PROFILES = [
    ["anxiety", "work-stress", "perfectionism", "sleep", "self-doubt"],
    ["low-mood", "worthlessness", "emotional-numbing", "avoidance", "shame"],
    [
        "maternal-rejection",
        "loyalty-conflict",
        "people-pleasing",
        "boundary-difficulties",
        "intergenerational-patterns",
        "self-doubt",
    ],
    ["grief-and-loss", "low-mood", "guilt", "sleep", "family-conflict"],
    ["trauma", "sleep", "anxiety", "avoidance", "difficulty-trusting"],
    ["couple-conflict", "anger", "difficulty-trusting", "fear-of-intimacy"],
    ["substance-use", "emotional-numbing", "avoidance", "shame", "family-conflict"],
    ["parenting", "intergenerational-patterns", "anxiety", "guilt", "couple-conflict"],
    ["eating", "shame", "perfectionism", "external-validation"],
    ["fear-of-abandonment", "difficulty-trusting", "fear-of-rejection", "anxiety"],
    ["domestic-violence", "trauma", "fear-of-intimacy", "shame", "anxiety"],
    ["paternal-rejection", "anger", "external-validation", "hyper-adaptation"],
    ["emotional-neglect", "parentification", "enmeshment", "guilt", "boundary-difficulties"],
]

EVENTS = [
    "a tense phone call with a parent",
    "a deadline at work",
    "a family birthday",
    "an argument about money",
    "a weekend away",
    "a visit to the GP",
    "a quiet week at home",
    "a friend cancelling plans at short notice",
    "a performance review",
    "several nights of poor sleep",
    "a meeting at their child's school",
    "an anniversary they had been dreading",
    "a long conversation with their partner",
    "an unexpected bill",
    "a social event they had been anxious about",
    "a hospital appointment",
    "a disagreement with a colleague",
    "a visit from relatives",
    "a job interview",
    "being unwell for a few days",
]
PEOPLE = [
    "their partner",
    "their mother",
    "their father",
    "a sibling",
    "a close friend",
    "their manager",
    "a colleague",
    "their adult child",
    "a flatmate",
    "an old school friend",
]
REACTIONS = [
    "hurtful",
    "unexpectedly supportive",
    "confusing",
    "a relief",
    "infuriating",
    "hard to read",
    "familiar in an uncomfortable way",
]
TECHNIQUES = [
    "cognitive restructuring",
    "guided discovery",
    "a chain analysis of the week's most difficult moment",
    "grounding through the five senses",
    "paced breathing",
    "validation and reflective listening",
    "psychoeducation about the stress response",
    "exploring links with early experience",
    "two-chair work",
    "a values-clarification exercise",
    "behavioural activation planning",
    "considering the other person's state of mind",
    "a review of the exposure hierarchy",
    "compassion-focused imagery",
    "structured problem-solving",
    "motivational interviewing",
    "naming what was happening between us in the room",
    "a review of sleep routines",
    "a brief mindfulness practice",
    "rehearsing an assertive request",
]
AFFECTS = [
    "tired but engaged",
    "tearful at times",
    "guarded at first, warmer later",
    "somewhat flat",
    "animated",
    "anxious and restless",
    "irritable",
    "calm and reflective",
    "low and slowed",
    "brighter than last week",
]
MOODS = [
    "Low, tearful when talking about family",
    "Anxious, restless; affect congruent",
    "Euthymic; reactive and appropriate",
    "Flat, limited range",
    "Brighter; more spontaneous",
    "Irritable early on, settled later",
    "Tired; mildly low",
    "Calm, reflective",
    "Tense; worried about the week ahead",
    "Sad but engaged",
]
MAINTAINERS = [
    "avoidance that brings short-term relief",
    "a harsh inner critic",
    "reassurance-seeking",
    "withdrawal from people who could help",
    "working longer hours to stay ahead of criticism",
    "rumination late at night",
    "keeping the peace at their own expense",
]
PROGRESS = [
    "small but real steps since last time",
    "progress has slowed this month",
    "the client is noticing the pattern earlier",
    "gains from earlier sessions are holding",
    "a setback this week, understandable given the circumstances",
    "the client is more able to stay with difficult feelings in the room",
]
GOALS = [
    "reduce the impact of {t1} on daily life",
    "understand the origins of {t1} and what keeps the pattern going",
    "build a steadier sense of self-worth in the face of {t2}",
    "practise expressing needs directly, especially around {t1}",
    "restore routine, rest and activities that used to matter",
    "manage {t1} with skills that do not cost the client so much",
]
PLANS = [
    "Keep a brief daily log of {t1}: situation, thought, feeling, what they did.",
    "Practise the breathing exercise twice a day and before difficult conversations.",
    "Plan two small activities that used to bring some enjoyment and note how they went.",
    "Notice one moment this week when they put someone else's wishes before their own.",
    "Try the assertive request rehearsed in session, in a low-stakes situation first.",
    "Write down what they would want to say to {person}; no need to send it.",
    "Continue with the wind-down routine and keep a regular waking time.",
    "Bring the worksheet back next week and review what was hard to complete.",
    "No homework set this week; the focus is rest and keeping routine.",
]

SAFETY_PLAN = (
    "Review the safety plan and keep it somewhere easy to reach. Contact the GP this week. "
    "Next session brought forward."
)

SUBJECTIVE = [
    "Client described {event} this week, which stirred up {t1}.",
    "Said {t1} had been more present since the last session.",
    "Reported that {person} had been {reaction}, and they had not known how to respond.",
    "Noted some progress with {t2}, although {t1} still took up a lot of their thinking.",
    "Rated their mood at {n} out of 10 for most of the week.",
    "Reported sleeping about {hours} hours a night, waking once or twice.",
    "Wanted to use today's session to think about {t1}.",
    "Said they had tried the homework on two days and found it harder than expected.",
    "Described feeling worn out by {t2} but determined to keep going.",
    "Said a conversation with {person} had left them thinking about {t1} for days.",
]
OBSERVED = [
    "Arrived on time and settled quickly.",
    "Appeared {affect}.",
    "Speech normal in rate and volume; thought form coherent.",
    "Good eye contact and engaged throughout.",
    "Became visibly upset when talking about {t1}, and recovered with support.",
    "Restless in the first half of the session, settling as it went on.",
    "Some long pauses, particularly around {t2}.",
    "Used humour to move away from {t1}; this was named gently and they came back to it.",
]
ASSESSMENT = [
    "The main focus of the work remains {t1}; {progress}.",
    "The current picture fits the formulation, in which {maintainer} keeps {t1} going.",
    "The connection between {t1} and {t2} was clearer to the client today.",
    "Engagement is good and the working alliance feels secure.",
    "The client is starting to notice {t1} in the moment rather than afterwards.",
    "Mood appears broadly stable; {progress}.",
    "Today's material suggests giving more attention to {t2} over the coming sessions.",
]
INTERVENTION = [
    "Used {tech} to look at {t1}.",
    "Offered {tech} when {t2} came up.",
    "Reflected back the pattern linking {t1} with {maintainer}.",
    "Reviewed the homework and explored what had got in the way.",
    "Introduced {tech} and explained its purpose.",
    "Held a steady, non-judgemental stance while the client described {event}.",
]
RESPONSE = [
    "Client engaged well and could name one alternative way of seeing the situation.",
    "Found {tech} useful and asked to practise it again next week.",
    "Was initially sceptical but tried the exercise and reported feeling calmer afterwards.",
    "Became tearful and was able to stay with the feeling rather than change the subject.",
    "Could identify how {t1} had shaped their reaction to {person}.",
    "Said it helped to hear the pattern described without blame.",
    "Struggled to stay with {t2}; this will be revisited.",
]
GOAL_OPENERS = ["Treatment goal: to {goal}.", "Today's work addressed the goal to {goal}."]
GOAL_LINES = [
    "Secondary goal: to keep {t2} from undoing recent progress.",
    "Progress towards the goal was reviewed at the start of the session.",
    "The client chose to focus on {event} and what it showed about {t1}.",
    "Both agreed this goal is still the right one for now.",
]
NARRATIVE_OPENERS = [
    "Session focused mainly on {t1}.",
    "The client arrived wanting to talk about {event}.",
    "Much of today's session returned to {t1}, with {t2} in the background.",
]

RISK_NOTES = {
    "none": [
        "No risk indicators reported or observed. Denies thoughts of self-harm.",
        "Asked about risk; nothing of concern. Protective factors unchanged.",
        "No current risk concerns.",
    ],
    "low": [
        "Occasional passive thoughts that life is hard, with no intent or plan; protective "
        "factors strong (family, work, future plans). Will continue to monitor.",
        "Increased alcohol use this week noted; no thoughts of self-harm. Monitor.",
        "Old thoughts of not wanting to be here resurfaced briefly; denies intent or plan. "
        "Knows how to reach crisis support.",
    ],
    "moderate": [
        "Passive suicidal thoughts most days this week, no plan or intent. Safety plan "
        "reviewed and updated; client agreed to contact the GP and to call the crisis line if "
        "thoughts become more active. Session frequency increased.",
        "Disclosed self-harm urges after an argument, not acted on. Safety plan revisited, "
        "means discussed, supports identified. Review next session.",
    ],
    "high": [
        "Active suicidal thoughts with a partial plan disclosed. Stayed with client to agree "
        "immediate safety steps; with consent, contacted the crisis team, who will follow up "
        "today. Supervisor informed.",
    ],
}

FIRST_NAMES = [
    "Aisha", "Ben", "Chiara", "Dev", "Elif", "Farah", "Gareth", "Hana", "Ines", "Jonah",
    "Kofi", "Lena", "Mateo", "Nadia", "Olu", "Petra", "Quinn", "Rosa", "Sunil", "Tamsin",
    "Uma", "Viktor", "Wren", "Xiu", "Yusuf", "Zara", "Arjun", "Bea", "Callum", "Daria",
    "Emeka", "Freya", "Goran", "Hiro", "Isla", "Jamal", "Keira", "Luca", "Maya", "Niamh",
]  # fmt: skip
LAST_NAMES = [
    "Abara", "Bergstrom", "Castellano", "Dimitrov", "Eze", "Fairclough", "Gupta", "Halloran",
    "Ivanova", "Jabari", "Kowalczyk", "Lindgren", "Moreau", "Nakamura", "Osei", "Petrakis",
    "Quintero", "Rahman", "Sorensen", "Tiwari", "Ulloa", "Varga", "Whitlock", "Yilmaz",
    "Zielinski", "Achterberg", "Brannigan", "Costa", "Delacroix", "Okoro",
]  # fmt: skip
PRONOUNS = ["she/her", "he/him", "they/them", "she/they", "he/they"]
REFERRALS = ["Self-referral", "GP referral", "Employee assistance programme", "Word of mouth"]
STREETS = ["Example Road", "Sample Street", "Placeholder Lane", "Fictional Avenue"]


def _theme_phrase(slug: str, names: dict[str, str]) -> str:
    return THEME_PHRASES.get(slug) or names.get(slug, slug).lower()


class _ClientPlan:
    """One generated client's stable characteristics."""

    def __init__(self, rng: random.Random, available: set[str]) -> None:
        profile = [slug for slug in rng.choice(PROFILES) if slug in available]
        pool = sorted(available - RISK_THEMES)
        count = min(len(profile), rng.randint(2, 5))
        self.core = rng.sample(profile, count) if count else rng.sample(pool, 2)
        others = [slug for slug in pool if slug not in self.core]
        self.emerging = rng.choice(others) if others and rng.random() < 0.5 else None
        self.occasional = [slug for slug in others if slug != self.emerging]
        self.format = rng.choice(FORMATS)
        self.modality = rng.choices(["in_person", "video", "phone"], weights=[6, 3, 1])[0]
        self.session_type = rng.choices(["individual", "couple", "family"], weights=[90, 7, 3])[0]
        self.cadence = rng.choices([7, 14], weights=[7, 3])[0]
        self.weekday = rng.randint(0, 4)
        self.hour = rng.randint(8, 18)
        self.discharged = rng.random() < 0.12


def _session_themes(
    rng: random.Random, plan: _ClientPlan, position: float, available: set[str]
) -> list[tuple[str, int]]:
    chosen: dict[str, int] = {}
    for slug in plan.core:
        if rng.random() < 0.65:
            chosen[slug] = rng.choices([1, 2, 3], weights=[3, 4, 3])[0]
    if not chosen:
        chosen[rng.choice(plan.core)] = rng.choice([2, 3])
    if plan.emerging and position > 0.4 and rng.random() < 0.45:
        chosen[plan.emerging] = rng.choices([1, 2, 3], weights=[3, 4, 2])[0]
    if plan.occasional and rng.random() < 0.2:
        chosen.setdefault(rng.choice(plan.occasional), 1)
    risk_themes = sorted(RISK_THEMES & available)
    if risk_themes and rng.random() < 0.02:
        chosen[rng.choice(risk_themes)] = rng.choice([1, 2])
    return sorted(chosen.items(), key=lambda item: -item[1])


class NoteWriter:
    """Assembles note sections, mood, risk, interventions and plan from the phrase banks."""

    def __init__(self, rng: random.Random, theme_names: dict[str, str]) -> None:
        self.rng = rng
        self.names = theme_names

    def _fill(self, template: str, values: dict[str, str]) -> str:
        rng = self.rng
        if "{event}" in template:
            values["event"] = rng.choice(EVENTS)
        if "{person}" in template:
            values["person"] = rng.choice(PEOPLE)
        if "{tech}" in template:
            values["tech"] = rng.choice(TECHNIQUES)
        if "{reaction}" in template:
            values["reaction"] = rng.choice(REACTIONS)
        if "{affect}" in template:
            values["affect"] = rng.choice(AFFECTS)
        if "{maintainer}" in template:
            values["maintainer"] = rng.choice(MAINTAINERS)
        if "{progress}" in template:
            values["progress"] = rng.choice(PROGRESS)
        if "{n}" in template:
            values["n"] = str(rng.randint(3, 8))
        if "{hours}" in template:
            values["hours"] = str(rng.randint(4, 8))
        if "{goal}" in template:
            values["goal"] = self._fill(rng.choice(GOALS), values)
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
        t1 = _theme_phrase(themes[0][0], self.names)
        t2 = _theme_phrase(themes[1][0], self.names) if len(themes) > 1 else "everyday stress"
        values = {"t1": t1, "t2": t2}
        sections = FORMAT_SECTIONS[NoteFormat(note_format)]
        total = rng.randint(NOTE_MIN_CHARS + 100, 1_500)
        share = total // len(sections)
        banks = {
            "subjective": [SUBJECTIVE, SUBJECTIVE],
            "objective": [OBSERVED, OBSERVED],
            "data": [SUBJECTIVE, OBSERVED],
            "behaviour": [OBSERVED, SUBJECTIVE],
            "goal": [GOAL_OPENERS, GOAL_LINES],
            "intervention": [INTERVENTION, INTERVENTION],
            "response": [RESPONSE, RESPONSE],
            "assessment": [ASSESSMENT, ASSESSMENT],
            "narrative": [NARRATIVE_OPENERS, SUBJECTIVE, INTERVENTION, RESPONSE, ASSESSMENT],
        }
        note = {key: self._paragraph(banks[key], values, share) for key in sections}
        if risk in ("moderate", "high"):
            last = sections[-1]
            note[last] += " Risk increased this session; see the risk section for the plan agreed."
        # Keep within bounds whatever the banks produce.
        while sum(map(len, note.values())) < NOTE_MIN_CHARS:
            key = sections[-1]
            note[key] += " " + self._fill(rng.choice(ASSESSMENT), values)
        while sum(map(len, note.values())) > NOTE_MAX_CHARS:
            key = max(note, key=lambda k: len(note[k]))
            head, separator, _ = note[key].rpartition(". ")
            note[key] = head + "." if separator else note[key][: len(note[key]) // 2]
        return note

    def plan(self, themes: list[tuple[str, int]], risk: str) -> str:
        values = {"t1": _theme_phrase(themes[0][0], self.names), "t2": ""}
        if risk in ("moderate", "high"):
            return SAFETY_PLAN
        return self._fill(self.rng.choice(PLANS), values)

    def interventions(self) -> str:
        chosen = self.rng.sample(TECHNIQUES, self.rng.randint(1, 3))
        text = "; ".join(chosen)
        return text[:1].upper() + text[1:] + "."


def _risk(rng: random.Random, themes: list[tuple[str, int]]) -> tuple[str, str]:
    """Risk level and notes; a raised level always comes with a matching risk theme."""
    risk_themes = [slug for slug, _ in themes if slug in RISK_THEMES]
    if risk_themes:
        level = rng.choices(["low", "moderate", "high"], weights=[50, 45, 5])[0]
    else:
        level = rng.choices(["none", "low", "moderate"], weights=[78, 20, 2])[0]
    notes = rng.choice(RISK_NOTES[level])
    if level in ("moderate", "high") and not risk_themes:
        themes.append(("self-harm" if "self-harm" in notes else "suicidal-thoughts", 2))
    return level, notes


def _session_dates(
    rng: random.Random, plan: _ClientPlan, count: int, today: datetime.date
) -> list[datetime.date]:
    """Dates oldest first, on the client's weekday, the latest within the last three weeks."""
    back = rng.randint(1, 20) + (rng.randint(20, 120) if plan.discharged else 0)
    last = today - datetime.timedelta(days=back)
    last -= datetime.timedelta(days=(last.weekday() - plan.weekday) % 7)
    dates = [last]
    for _ in range(count - 1):
        step = plan.cadence + (7 if rng.random() < 0.08 else 0)  # holidays, cancellations
        dates.append(dates[-1] - datetime.timedelta(days=step))
    dates.reverse()
    return dates


def _client_details(
    rng: random.Random, therapist_index: int, number: int, today: datetime.date
) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    partner = rng.choice(FIRST_NAMES)
    year = today.year - rng.randint(19, 78)
    return {
        "full_name": f"{first} {last}",
        "preferred_name": first if rng.random() < 0.8 else first[:3],
        "pronouns": rng.choice(PRONOUNS),
        "date_of_birth": datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
        "phone": f"555-01{rng.randint(0, 99):02d}",
        "email": f"{first}.{last}.{therapist_index}-{number}@example.org".lower(),
        "address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}, Sampleton",
        "emergency_contact": f"{partner} {last} (family), 555-01{rng.randint(0, 99):02d}",
        "referral_source": rng.choice(REFERRALS),
    }


def _build_client(
    rng: random.Random,
    therapist,
    therapist_index: int,
    number: int,
    plan: _ClientPlan,
    dates: list[datetime.date],
    names: dict[str, str],
) -> Client:
    details = _client_details(rng, therapist_index, number, dates[-1])
    if plan.session_type == "couple":
        details["full_name"] += f" and {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    concerns = ", ".join(_theme_phrase(slug, names) for slug in plan.core)
    intake = dates[0] - datetime.timedelta(days=rng.randint(0, 21))
    return Client(
        therapist=therapist,
        number=number,
        status=ClientStatus.DISCHARGED if plan.discharged else ClientStatus.ACTIVE,
        intake_date=intake,
        discharge_date=dates[-1] if plan.discharged else None,
        presenting_concerns=f"Presents with {concerns}.",
        general_notes="Generated benchmark client; fictional.",
        **details,
    )


def _build_sessions(
    rng: random.Random,
    client: Client,
    plan: _ClientPlan,
    dates: list[datetime.date],
    writer: NoteWriter,
    theme_ids: dict[str, int],
    tz: datetime.tzinfo,
    today: datetime.date,
) -> Iterator[TherapySession]:
    available = set(theme_ids)
    count = len(dates)
    start = datetime.time(plan.hour, 0)
    for position, day in enumerate(dates):
        themes = _session_themes(rng, plan, position / count, available)
        risk, risk_notes = _risk(rng, themes)
        themes = [(slug, level) for slug, level in themes if slug in theme_ids]
        note_format = plan.format if rng.random() < 0.85 else rng.choice(FORMATS)
        if position + 1 < count:
            following = dates[position + 1]
        elif not plan.discharged:
            following = day + datetime.timedelta(days=plan.cadence)
            while following <= today:  # the next booking is always in the future
                following += datetime.timedelta(days=plan.cadence)
        else:
            following = None
        yield TherapySession(
            client=client,
            date=day,
            start_time=start,
            duration_minutes=rng.choices([50, 60, 90], weights=[85, 10, 5])[0],
            session_type=plan.session_type,
            modality=plan.modality if rng.random() < 0.9 else "video",
            note_format=note_format,
            next_appointment=(
                datetime.datetime.combine(following, start, tzinfo=tz) if following else None
            ),
            note=writer.note(note_format, themes, risk),
            mood_affect=rng.choice(MOODS),
            risk_level=risk,
            risk_notes=risk_notes,
            interventions=writer.interventions(),
            plan=writer.plan(themes, risk),
            themes=[{"theme": theme_ids[slug], "intensity": level} for slug, level in themes],
        )


def _sign_all_but_recent(sessions: list[TherapySession], today: datetime.date) -> None:
    """Scale data looks like a real caseload: notes older than a week are signed."""
    tz = timezone.get_current_timezone()
    for session in sessions:
        if (today - session.date).days > 7:
            signer = session.client.therapist
            at = datetime.datetime.combine(session.date, datetime.time(19, 30), tzinfo=tz)
            session.apply_signature(signer, at)


def _flush(clients: list[Client], sessions: list[TherapySession], report: ScaleReport) -> None:
    Client.objects.bulk_create(clients, batch_size=BATCH_SIZE)
    TherapySession.objects.bulk_create(sessions, batch_size=BATCH_SIZE)
    report.clients += len(clients)
    report.sessions += len(sessions)
    reset_queries()  # with DEBUG on, Django would otherwise keep every INSERT in memory


def seed_bench_therapists(
    *,
    therapists: int,
    clients: int,
    sessions: int,
    seed: int,
    today: datetime.date | None = None,
) -> ScaleReport:
    """Create ``bench-therapist-NN`` accounts with generated clients and sessions.

    A therapist of that name who already has clients is left alone, so re-running is safe.
    Content depends only on the seed and the therapist's number (and today's date for dates).
    """
    validate_scale_options(therapists=therapists, clients=clients, sessions=sessions, seed=seed)
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    theme_rows = list(Theme.objects.active().values_list("slug", "pk", "name"))
    if len(theme_rows) < 2:
        raise ScaleOptionError("The theme taxonomy is missing: run `manage.py migrate` first.")
    theme_ids = {slug: pk for slug, pk, _ in theme_rows}
    names = {slug: name for slug, _, name in theme_rows}
    available = set(theme_ids)
    if len(available - RISK_THEMES) < 2:
        raise ScaleOptionError("Too few active themes to generate notes; activate some first.")
    User = get_user_model()
    password_hash = None
    report = ScaleReport()
    for index in range(1, therapists + 1):
        username = BENCH_USERNAME.format(index=index)
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is not None and Client.objects.filter(therapist=user).exists():
                report.skipped.append(username)
                continue
            if user is None:
                password_hash = password_hash or make_password(BENCH_PASSWORD)
                user = User.objects.create(
                    username=username,
                    password=password_hash,
                    first_name="Bench",
                    last_name=f"Therapist {index:02d}",
                    email=f"{username}@example.org",
                )
            rng = random.Random(f"{seed}:{index}")  # noqa: S311 - reproducible fake data
            writer = NoteWriter(rng, names)
            batch: list[TherapySession] = []
            client_rows: list[Client] = []
            for number in range(1, clients + 1):
                plan = _ClientPlan(rng, available)
                dates = _session_dates(rng, plan, sessions, today)
                client = _build_client(rng, user, index, number, plan, dates, names)
                client_rows.append(client)
                batch.extend(
                    _build_sessions(rng, client, plan, dates, writer, theme_ids, tz, today)
                )
                if len(batch) >= BATCH_SIZE:
                    _sign_all_but_recent(batch, today)
                    _flush(client_rows, batch, report)
                    client_rows, batch = [], []
            _sign_all_but_recent(batch, today)
            _flush(client_rows, batch, report)
            report.created.append(username)
    return report
