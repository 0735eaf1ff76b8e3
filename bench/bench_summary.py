"""Time and memory of the case summary PDF (issue budgets: a client with 300 sessions of
1,500-character notes, full summary with every note under 3 s and 250 MB peak; without full
notes under 0.5 s).

The function is measured (loading, decrypting, laying out, writing the PDF in memory), not an
HTTP round trip. Peak memory: Python allocations of one full build (tracemalloc), and the
whole process's peak resident set.

Run from the repository root: ``python -m bench.bench_summary``.
"""

import datetime
import os
import random
import resource
import tracemalloc

from bench.harness import emit, median, note, setup_django, timed_ms

SESSIONS = 300
NOTE_CHARS = 1_500
FULL_BUDGET_MS = 3_000
NO_NOTES_BUDGET_MS = 500
MEMORY_BUDGET_MB = 250
TEXT = (
    "she described the week as heavy and spoke about her mother's visit, the argument at work "
    "and sleeping badly; we explored what the silence at dinner meant to her and agreed a small "
    "experiment for the coming days Ψυχή каракатица"
)
WORDS = TEXT.split()


def _text(rng: random.Random, chars: int) -> str:
    words, size = [], 0
    while size < chars:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def seed():
    from django.contrib.auth import get_user_model

    from clients.models import Client
    from clients.services import create_client
    from sessions.links import ThemeLink
    from sessions.models import TherapySession
    from sessions.services import import_sessions
    from themes.models import Theme

    rng = random.Random(1)
    therapist = get_user_model().objects.create_user("bench-summary", first_name="Bench")
    client = create_client(
        therapist=therapist,
        client=Client(
            full_name="Bench Client",
            intake_date=datetime.date(2020, 1, 6),
            presenting_concerns=_text(rng, 600),
        ),
    )
    theme_ids = list(Theme.objects.values_list("pk", flat=True)[:30])
    start = datetime.date(2020, 1, 6)
    sessions = []
    for index in range(SESSIONS):
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
    import_sessions(sessions=sessions)
    return therapist, client


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from summaries.pdf import FullNotes, SummaryOptions
    from summaries.services import build_case_summary

    therapist, client = seed()
    note(f"{SESSIONS} sessions of {NOTE_CHARS} characters for {client.code}")

    def full():
        return build_case_summary(client=client, therapist=therapist, options=SummaryOptions())

    def no_notes():
        options = SummaryOptions(full_notes=FullNotes.NONE)
        return build_case_summary(client=client, therapist=therapist, options=options)

    pdf = full()
    note(f"full summary: {len(pdf) / 1024:.0f} KiB")
    emit("summary", "full_summary_ms", median(timed_ms(full, 3)), "ms", FULL_BUDGET_MS)
    emit("summary", "no_notes_summary_ms", median(timed_ms(no_notes, 5)), "ms", NO_NOTES_BUDGET_MS)
    tracemalloc.start()
    full()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    emit("summary", "full_summary_peak_mb", peak, "MB", MEMORY_BUDGET_MB)
    # The whole process (Django, the seeded data, reportlab), as the operating system sees it.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit("summary", "process_peak_rss_mb", rss, "MB", MEMORY_BUDGET_MB)


if __name__ == "__main__":
    main()
