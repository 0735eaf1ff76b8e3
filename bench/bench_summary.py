"""Time and memory of the case summary PDF (issue 16 budgets: a client with 300 sessions of
1,500-character notes, with every section, measures and treatment plan included, under 1.5 s;
1,000 sessions under 5 s; peak memory under 150 MB; without full notes under 0.5 s).

Each client also has PHQ-9, GAD-7 and CORE-10 taken every fourth session, a signed treatment
plan, and progress against it on every note, all written through the services. The function is
measured (loading, decrypting, laying out, writing the PDF in memory), not an HTTP round trip.
Peak memory: Python allocations of one full build (tracemalloc), the growth of the process's
resident set during one 1,000-session build (Linux: the peak is reset first), and the whole
process's peak resident set.

Run from the repository root: ``python -m bench.bench_summary``.
"""

import datetime
import gc
import os
import random
import resource
import time
import tracemalloc
from pathlib import Path

from bench import seeding
from bench.harness import emit, median, note, setup_django, timed_ms

SESSIONS = 300
LARGE_SESSIONS = 1_000
NOTE_CHARS = 1_500
MEASURES = ("phq9", "gad7", "core10")
MEASURE_EVERY = 4  # sessions
FULL_BUDGET_MS = 1_500
LARGE_BUDGET_MS = 5_000
NO_NOTES_BUDGET_MS = 500
MEMORY_BUDGET_MB = 150
PROCESS_BUDGET_MB = 250
TEXT = (
    "she described the week as heavy and spoke about her mother's visit, the argument at work "
    "and sleeping badly; we explored what the silence at dinner meant to her and agreed a small "
    "experiment for the coming days Ψυχή каракатица"
)
WORDS = TEXT.split()


def _text(rng: random.Random, chars: int) -> str:
    return seeding.text(rng, chars, WORDS)


def _plan(therapist, client, theme_ids):
    from plans import services as plan_services

    content = {
        "problems": [
            {"id": f"p{n}", "text": f"Problem {n} in the client's words.", "theme_ids": [pk]}
            for n, pk in enumerate(theme_ids[:3], start=1)
        ],
        "goals": [
            {
                "id": f"g{goal}",
                "text": f"Goal {goal}: steadier relationships and mood.",
                "problem_ids": [f"p{goal}"],
                "objectives": [
                    {
                        "id": f"o{2 * goal - 1 + extra}",
                        "text": "One measurable step a week, reviewed in session.",
                        "target_date": "2030-01-01",
                    }
                    for extra in range(2)
                ],
            }
            for goal in (1, 2, 3)
        ],
        "interventions": [
            {"id": f"i{n}", "text": f"Intervention {n}.", "goal_ids": [f"g{n}"]} for n in (1, 2, 3)
        ],
    }
    draft = plan_services.start_draft(client=client, user=therapist)
    draft = plan_services.save_draft(
        version=draft,
        user=therapist,
        content=content,
        review_date=datetime.date(2030, 1, 1),
        expected_version=draft.version,
    )
    return plan_services.sign_version(version=draft, user=therapist)


def seed(username: str, count: int):
    """A therapist and a client with ``count`` weekly sessions, measures, a plan, progress."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from clients.models import Client
    from clients.services import create_client
    from measures import catalogue
    from measures import services as measure_services
    from measures.scoring import answers_for_total
    from plans import services as plan_services
    from sessions.links import ThemeLink
    from sessions.models import TherapySession
    from sessions.services import import_sessions
    from themes.models import Theme

    rng = random.Random(count)
    therapist = get_user_model().objects.create_user(username, first_name="Bench")
    start = datetime.date.today() - datetime.timedelta(weeks=count + 1)
    client = create_client(
        therapist=therapist,
        client=Client(
            full_name="Bench Client",
            intake_date=start,
            presenting_concerns=_text(rng, 600),
        ),
    )
    theme_ids = list(Theme.objects.values_list("pk", flat=True)[:30])
    version = _plan(therapist, client, theme_ids)
    sessions, progress = [], []
    for index in range(count):
        third = NOTE_CHARS // 3
        session = TherapySession(
            client=client,
            date=start + datetime.timedelta(days=7 * index),
            start_time=datetime.time(10, 0),
            note={key: _text(rng, third) for key in ("subjective", "objective", "assessment")},
            risk_level=rng.choice(["none", "none", "none", "low", "moderate"]),
            risk_notes=_text(rng, 80),
        )
        session.set_theme_links(
            ThemeLink(theme, rng.randint(1, 3))
            for theme in rng.sample(theme_ids, rng.randint(1, 4))
        )
        if index % 2:
            session.apply_signature(therapist, datetime.datetime.now(datetime.UTC))
        sessions.append(session)
        objective = f"o{rng.randint(1, 6)}"
        rating = rng.choice(["worse", "no_change", "some_progress", "achieved"])
        comment = _text(rng, 60)
        entry = {objective: {"rating": rating, "comment": comment}}
        progress.append((session, [f"g{rng.randint(1, 3)}"], entry))
    with transaction.atomic():  # the progress of a signed note goes in before the note
        plan_services.import_progress(plan_version=version, records=progress)
        import_sessions(sessions=sessions)
    measures = catalogue.all_measures()
    for slug in MEASURES:
        measure = measures[slug]
        for session in sessions[::MEASURE_EVERY]:
            total = rng.randint(measure.min_score, measure.max_score * 2 // 3)
            measure_services.record_administration(
                client=client,
                measure_slug=slug,
                answers=answers_for_total(measure, total),
                administered_on=session.date,
                user=therapist,
            )
    return therapist, client


def rss_growth_mb(function) -> float:
    """How far the resident set grew above where it was while ``function`` ran."""
    status = Path("/proc/self/status")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak (Linux)
        before = _status_kb(status, "VmRSS")
        function()
        return (_status_kb(status, "VmHWM") - before) / 1024
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        function()
        return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def _status_kb(status: Path, name: str) -> int:
    for line in status.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise OSError(f"no {name} in {status}")


def traced_peak_mb(function) -> float:
    gc.collect()
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def timed_with_cpu(label: str, function, repeat: int) -> list[float]:
    """Wall times (ms); the CPU time per build goes to stderr, less swayed by other load."""
    cpu = time.process_time()
    samples = timed_ms(function, repeat)
    note(f"{label}: {(time.process_time() - cpu) / repeat * 1000:.0f} ms of CPU per build")
    return samples


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from summaries.pdf import SECTIONS, FullNotes, SummaryOptions
    from summaries.services import build_case_summary

    therapist, client = seed("bench-summary", SESSIONS)
    large_therapist, large = seed("bench-summary-large", LARGE_SESSIONS)
    note(
        f"{SESSIONS} and {LARGE_SESSIONS} sessions of {NOTE_CHARS} characters; measures "
        f"{', '.join(MEASURES)} every {MEASURE_EVERY} sessions; a signed plan with progress on "
        f"every note. Sections: {', '.join(SECTIONS)}"
    )

    def full():
        return build_case_summary(client=client, therapist=therapist, options=SummaryOptions())

    def full_large():
        options = SummaryOptions()
        return build_case_summary(client=large, therapist=large_therapist, options=options)

    def no_notes():
        options = SummaryOptions(full_notes=FullNotes.NONE)
        return build_case_summary(client=client, therapist=therapist, options=options)

    growth = rss_growth_mb(full_large)  # first, before other builds raise the process's peak
    pdf = full()
    note(f"full summary of {SESSIONS} sessions: {len(pdf) / 1024:.0f} KiB")
    samples = timed_with_cpu("full summary", full, 3)
    emit("summary", "full_summary_ms", median(samples), "ms", FULL_BUDGET_MS)
    samples = timed_with_cpu("without full notes", no_notes, 5)
    emit("summary", "no_notes_summary_ms", median(samples), "ms", NO_NOTES_BUDGET_MS)
    large_pdf = full_large()
    note(f"full summary of {LARGE_SESSIONS} sessions: {len(large_pdf) / 1024:.0f} KiB")
    samples = timed_with_cpu(f"full summary of {LARGE_SESSIONS}", full_large, 3)
    emit("summary", "full_1000_summary_ms", median(samples), "ms", LARGE_BUDGET_MS)
    emit("summary", "full_summary_peak_mb", traced_peak_mb(full), "MB", MEMORY_BUDGET_MB)
    emit("summary", "full_1000_peak_mb", traced_peak_mb(full_large), "MB", MEMORY_BUDGET_MB)
    emit("summary", "full_1000_rss_growth_mb", growth, "MB", MEMORY_BUDGET_MB)
    # The whole process (Django, the seeded data, reportlab), as the operating system sees it.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit("summary", "process_peak_rss_mb", rss, "MB", PROCESS_BUDGET_MB)


if __name__ == "__main__":
    main()
