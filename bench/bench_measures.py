"""Server time of a client page with outcome measures and a treatment plan (issue 16 budget:
p95 under 100 ms, warm), with its query count.

Data: one client with 60 weekly sessions (notes of about 1,500 characters, themes, every other
one signed), 3 measures (PHQ-9, GAD-7, CORE-10) with 50 administrations each, and a signed
plan of 3 goals and 6 objectives against which every note after the first records progress.
Everything is written through the services (measures, plans, sessions), as the pages write it.
Times are through Django's test client, signed in with password and second factor:
middleware, view, template, no network.

Run from the repository root: ``python -m bench.bench_measures`` (``--queries`` lists the
queries of one request on stderr, slowest first).
"""

import datetime
import os
import random
import sys
import time

from bench.harness import emit, median, note, percentile, setup_django, timed_ms
from bench.seeding import weekly_sessions

BENCH = "client_page_measures"
SESSIONS = 60
ADMINISTRATIONS = 50  # per measure
MEASURES = ("phq9", "gad7", "core10")
WARM_UP = 10
REPEAT = 60
P95_BUDGET_MS = 100


def plan_content(theme_ids: list[int]) -> dict:
    goals = [
        {
            "id": f"g{goal}",
            "text": f"Goal {goal}: feel steadier in close relationships.",
            "problem_ids": [f"p{goal}"],
            "objectives": [
                {
                    "id": f"o{2 * goal - 1 + extra}",
                    "text": f"Objective {2 * goal - 1 + extra}: one measurable step a week.",
                    "target_date": "2027-03-01",
                }
                for extra in range(2)
            ],
        }
        for goal in (1, 2, 3)
    ]
    return {
        "problems": [
            {"id": f"p{n}", "text": f"Problem {n} as the client puts it.", "theme_ids": [pk]}
            for n, pk in enumerate(theme_ids[:3], start=1)
        ],
        "goals": goals,
        "interventions": [
            {"id": f"i{n}", "text": f"Intervention {n}.", "goal_ids": [f"g{n}"]} for n in (1, 2, 3)
        ],
    }


def seed():
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from clients.models import Client
    from clients.services import create_client
    from measures import catalogue
    from measures import services as measure_services
    from measures.scoring import answers_for_total
    from plans import services as plan_services
    from sessions.services import import_sessions
    from themes.models import Theme

    rng = random.Random(16)
    therapist = get_user_model().objects.create_user("bench-measures", first_name="Bench")
    today = timezone.localdate()
    start = today - datetime.timedelta(weeks=SESSIONS + 1)
    client = create_client(
        therapist=therapist,
        client=Client(full_name="Bench Measures Client", intake_date=start),
    )
    theme_ids = list(Theme.objects.values_list("pk", flat=True)[:30])
    draft = plan_services.start_draft(client=client, user=therapist)
    draft = plan_services.save_draft(
        version=draft,
        user=therapist,
        content=plan_content(theme_ids),
        review_date=today + datetime.timedelta(days=21),
        expected_version=draft.version,
    )
    version = plan_services.sign_version(version=draft, user=therapist)
    progress = []

    def record_progress(index: int, session) -> None:
        if index:
            objective = f"o{rng.randint(1, 6)}"
            rating = rng.choice(["worse", "no_change", "some_progress", "achieved"])
            progress.append((session, [f"g{rng.randint(1, 3)}"], {objective: {"rating": rating}}))

    sessions = weekly_sessions(
        therapist=therapist,
        client=client,
        count=SESSIONS,
        start=start,
        rng=rng,
        each=record_progress,
    )
    with transaction.atomic():  # the progress of a signed note goes in before the note
        plan_services.import_progress(plan_version=version, records=progress)
        import_sessions(sessions=sessions)
    measures = catalogue.all_measures()
    for slug in MEASURES:
        measure = measures[slug]
        for index in range(ADMINISTRATIONS):
            total = rng.randint(measure.min_score, measure.max_score * 2 // 3)
            measure_services.record_administration(
                client=client,
                measure_slug=slug,
                answers=answers_for_total(measure, total),
                administered_on=start + datetime.timedelta(days=8 * index),
                user=therapist,
            )
    return therapist, client


def query_report(http, path: str) -> None:
    """Every query of one request on stderr, slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        http.get(path)
    ordered = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    note(f"{len(ordered)} queries, {sum(float(q['time']) for q in ordered) * 1000:.1f} ms in all")
    for query in ordered[:25]:
        note(f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:160]}")


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from accounts.testing import sign_in

    therapist, client = seed()
    note(
        f"{SESSIONS} sessions, {len(MEASURES)} measures x {ADMINISTRATIONS} administrations, "
        f"a signed plan with progress on {SESSIONS - 1} notes, for {client.code}"
    )
    http = HttpClient()
    sign_in(http, therapist)  # password and second factor, as a browser would be
    path = client.get_absolute_url()
    response = http.get(path)
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    note(f"page: {len(page) / 1024:.0f} KiB, {page.count('<svg')} SVG charts")
    with CaptureQueriesContext(connection) as queries:
        http.get(path)
    count = len(queries)
    timed_ms(lambda: http.get(path), WARM_UP)
    cpu = time.process_time()
    samples = timed_ms(lambda: http.get(path), REPEAT)
    # CPU time is less swayed than wall time by other load on the machine.
    cpu_ms = (time.process_time() - cpu) / REPEAT * 1000
    note(f"{cpu_ms:.0f} ms of CPU per request")
    emit(BENCH, "p95_ms", percentile(samples, 0.95), "ms", P95_BUDGET_MS)
    emit(BENCH, "p50_ms", median(samples), "ms")
    emit(BENCH, "cpu_ms_per_request", cpu_ms, "ms")
    emit(BENCH, "queries", count, "count")
    if "--queries" in sys.argv or percentile(samples, 0.95) > P95_BUDGET_MS:
        query_report(http, path)


if __name__ == "__main__":
    main()
