"""Scale mode: many generated therapists, clients and sessions, for benchmarks.

Notes are assembled from phrase banks written for this project (``data/phrases.toml``, see
``demo.notes``), with a seeded ``random.Random``: the same seed gives the same text, dates and
themes. Each generated client has a few "core" themes that keep returning, an occasional passing
theme, and sometimes one theme that only emerges part-way through the work, which is how themes
behave in real caseloads.

Speed matters more than anything else here: objects are built in memory and written in batches
(clients with ``bulk_create``, notes through ``sessions.services.import_sessions``), one
transaction per therapist, and client numbers are assigned directly (sequentially per therapist)
instead of one ``create_client`` round trip per client.
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
from sessions.links import ThemeLink, stored_links
from sessions.models import NoteFormat, TherapySession
from sessions.services import import_sessions
from themes.models import Theme

from .notes import RISK_THEMES, NoteWriter, draw_risk, theme_phrase
from .phrases import phrases

BENCH_USERNAME = "bench-therapist-{index:02d}"
BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - published benchmark login, fictional data
BATCH_SIZE = 1_000

MAX_THERAPISTS = 500
MAX_CLIENTS = 5_000
MAX_SESSIONS = 1_000
MAX_TOTAL_SESSIONS = 5_000_000
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


class _ClientPlan:
    """One generated client's stable characteristics."""

    def __init__(self, rng: random.Random, available: set[str]) -> None:
        profile = [slug for slug in rng.choice(phrases().profiles) if slug in available]
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
    bank = phrases()
    first, last = rng.choice(bank.first_names), rng.choice(bank.last_names)
    partner = rng.choice(bank.first_names)
    year = today.year - rng.randint(19, 78)
    return {
        "full_name": f"{first} {last}",
        "preferred_name": first if rng.random() < 0.8 else first[:3],
        "pronouns": rng.choice(bank.pronouns),
        "date_of_birth": datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
        "phone": f"555-01{rng.randint(0, 99):02d}",
        "email": f"{first}.{last}.{therapist_index}-{number}@example.org".lower(),
        "address": f"{rng.randint(1, 200)} {rng.choice(bank.streets)}, Sampleton",
        "emergency_contact": f"{partner} {last} (family), 555-01{rng.randint(0, 99):02d}",
        "referral_source": rng.choice(bank.referrals),
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
        bank = phrases()
        details["full_name"] += f" and {rng.choice(bank.first_names)} {rng.choice(bank.last_names)}"
    concerns = ", ".join(theme_phrase(slug, names) for slug in plan.core)
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
    moods = phrases().moods
    count = len(dates)
    start = datetime.time(plan.hour, 0)
    for position, day in enumerate(dates):
        themes = _session_themes(rng, plan, position / count, available)
        risk, risk_notes = draw_risk(rng, themes)
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
            mood_affect=rng.choice(moods),
            risk_level=risk,
            risk_notes=risk_notes,
            interventions=writer.interventions(),
            plan=writer.plan(themes, risk),
            themes=stored_links(ThemeLink(theme_ids[slug], level) for slug, level in themes),
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
    import_sessions(sessions=sessions, batch_size=BATCH_SIZE)
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
    phrases()  # read and checked before anything is written
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
