"""Server time of the theme pages on a seeded caseload (issue budgets: client theme view of a
300-session client under 100 ms, caseload view under 300 ms warm), with query counts.

Data: ``seed_demo --therapists 1 --clients 300 --sessions 60 --random-seed 1`` (18,000
sessions for bench-therapist-01), plus one generated client with 300 sessions, created for a
second bench therapist and then handed to the first, so that it is part of the same caseload.
Times are through Django's test client: middleware, view, template, no network.

Run from the repository root: ``python -m bench.bench_themes``.
"""

import os
import sys

from bench.harness import emit, median, note, percentile, setup_django, timed_ms

WARM_REPEAT = 30
CLIENT_VIEW_BUDGET_MS = 100
CASELOAD_BUDGET_MS = 300


def seed() -> tuple:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from clients.models import Client, ClientStatus
    from demo.generator import seed_bench_therapists

    call_command(
        "seed_demo", therapists=1, clients=300, sessions=60, random_seed=1, stdout=sys.stderr
    )
    # bench-therapist-01 is left alone (it has clients); -02 gets one client of 300 sessions.
    seed_bench_therapists(therapists=2, clients=1, sessions=300, seed=1)
    therapist = get_user_model().objects.get(username="bench-therapist-01")
    long_client = Client.objects.get(therapist__username="bench-therapist-02")
    Client.objects.filter(pk=long_client.pk).update(
        therapist=therapist, number=301, status=ClientStatus.ACTIVE, discharge_date=None
    )
    return therapist, long_client.pk


def measure(http, path: str, repeat: int = WARM_REPEAT) -> tuple[list[float], int, int]:
    """Warm samples in ms, the number of queries of one request, and its status code."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        status = http.get(path).status_code
    count = len(queries)  # before the next request resets the query log
    return timed_ms(lambda: http.get(path), repeat), count, status


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from django.test import Client as HttpClient
    from django.urls import reverse

    from accounts.testing import sign_in
    from sessions.models import TherapySession
    from themes.analytics import load_theme_links, theme_stats
    from themes.models import Theme

    therapist, long_client = seed()
    total = TherapySession.objects.for_therapist(therapist).count()
    long_total = TherapySession.objects.filter(client=long_client).count()
    note(f"{total:,} sessions for {therapist.username}; the long client has {long_total}")
    http = HttpClient()
    sign_in(http, therapist)  # password and second factor, as a browser would be

    caseload = reverse("theme_caseload")
    cold = timed_ms(lambda: http.get(caseload), 1)[0]
    emit("themes", "caseload_view_cold_ms", cold, "ms")  # the budget is for warm requests
    samples, count, status = measure(http, caseload)
    assert status == 200, status
    emit("themes", "caseload_view_p50_ms", median(samples), "ms", CASELOAD_BUDGET_MS)
    emit("themes", "caseload_view_p95_ms", percentile(samples, 0.95), "ms", CASELOAD_BUDGET_MS)
    emit("themes", "caseload_view_queries", count, "count")
    # The widest range a therapist can ask for: every session of every active client.
    samples, _, _ = measure(http, f"{caseload}?date_from=2000-01-01", repeat=10)
    emit("themes", "caseload_all_dates_p50_ms", median(samples), "ms")

    client_view = reverse("client_themes", args=[long_client])
    samples, count, status = measure(http, client_view)
    assert status == 200, status
    emit("themes", "client_theme_view_p50_ms", median(samples), "ms", CLIENT_VIEW_BUDGET_MS)
    emit(
        "themes", "client_theme_view_p95_ms", percentile(samples, 0.95), "ms", CLIENT_VIEW_BUDGET_MS
    )
    emit("themes", "client_theme_view_queries", count, "count")

    top = theme_stats(load_theme_links(TherapySession.objects.filter(client=long_client)))[0]
    slug = Theme.objects.get(pk=top.theme_id).slug
    drill_down = reverse("client_theme_sessions", args=[long_client, slug])
    samples, count, status = measure(http, drill_down, repeat=10)
    assert status == 200, status
    note(f"drill-down theme {slug!r}: {top.sessions_touched} sessions")
    emit("themes", "client_theme_sessions_p50_ms", median(samples), "ms")
    emit("themes", "client_theme_sessions_queries", count, "count")


if __name__ == "__main__":
    main()
