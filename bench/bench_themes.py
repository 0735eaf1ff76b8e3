"""Server time of the theme pages on a seeded caseload, with query counts. Budgets (issue 17):
the caseload view at 300 active clients under 150 ms warm and at most 1.5 times the same page
computed from a plaintext link table aggregated in SQL, measured in the same run; the client
theme view of a 300-session client under 100 ms.

Data: ``seed_demo --therapists 1 --clients 300 --sessions 60 --random-seed 1`` (18,000
sessions for bench-therapist-01), its discharged clients made active again but one, plus one
generated client with 300 sessions, created for a second bench therapist and then handed to the
first, so that it is part of the same caseload: 300 active clients. Times are through Django's
test client: middleware, view, template, no network.

The plaintext comparison is what the page would cost if theme links were stored in clear: a
table of (client, session, date, theme id) rows, made here only (a throwaway bench table),
joined with the sessions' plain metadata and aggregated in SQL into the same recurring-theme
result (checked equal to the app's), names decrypted as the app does. Both pages are timed in
turns, so that both see the same load.

Run from the repository root: ``python -m bench.bench_themes``.
"""

import os
import sys
import threading
from collections import defaultdict
from unittest import mock

from bench.harness import emit, median, note, percentile, setup_django, timed_ms

WARM_REPEAT = 30
CLIENT_VIEW_BUDGET_MS = 100
CASELOAD_BUDGET_MS = 150
PLAINTEXT_RATIO_BUDGET = 1.5
PLAIN_TABLE = "bench_plain_theme_link"


def seed() -> tuple:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from clients.models import Client, ClientStatus
    from demo.generator import seed_bench_therapists
    from encryption.fields import open_all

    call_command(
        "seed_demo", therapists=1, clients=300, sessions=60, random_seed=1, stdout=sys.stderr
    )
    # bench-therapist-01 is left alone (it has clients); -02 gets one client of 300 sessions.
    seed_bench_therapists(therapists=2, clients=1, sessions=300, seed=1)
    therapist = get_user_model().objects.get(username="bench-therapist-01")
    # 299 active clients from the demo (one stays discharged) and the long one: 300.
    discharged = Client.objects.filter(therapist=therapist, status=ClientStatus.DISCHARGED)
    keep = discharged.order_by("number").values_list("pk", flat=True).first()
    discharged.exclude(pk=keep).update(status=ClientStatus.ACTIVE, discharge_date=None)
    # Handed over as the app moves a record: every value read first, then sealed afresh for
    # the new therapist (encryption/fields.py); its sessions stay bound to the client.
    long_client = Client.objects.get(therapist__username="bench-therapist-02")
    open_all(long_client)
    long_client.therapist, long_client.number = therapist, 301
    long_client.status, long_client.discharge_date = ClientStatus.ACTIVE, None
    long_client.save()
    return therapist, long_client.pk


def measure(http, path: str, repeat: int = WARM_REPEAT) -> tuple[list[float], int, int]:
    """Warm samples in ms, the number of queries of one request, and its status code."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        status = http.get(path).status_code
    count = len(queries)  # before the next request resets the query log
    return timed_ms(lambda: http.get(path), repeat), count, status


# --- the plaintext comparison ----------------------------------------------------------------
def make_plain_table(therapist) -> int:
    """The therapist's theme links in clear, one row per (session, theme), indexed as a
    plaintext design would index them; returns the number of rows."""
    from django.db import connection

    from sessions.models import TherapySession
    from themes.analytics import load_theme_links

    links = load_theme_links(TherapySession.objects.for_therapist(therapist))
    uuid_type = TherapySession._meta.pk.db_type(connection)  # char(32) on SQLite, uuid on PG
    as_stored = TherapySession._meta.pk.get_db_prep_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {PLAIN_TABLE} (client_id {uuid_type} NOT NULL, "
            f"session_id {uuid_type} NOT NULL, date date NOT NULL, theme_id integer NOT NULL)"
        )
        cursor.execute(  # covering: the join reads no row of the table
            f"CREATE INDEX {PLAIN_TABLE}_session ON {PLAIN_TABLE} (session_id, theme_id)"
        )
        rows = [
            (
                as_stored(s.client_id, connection),
                as_stored(s.session_id, connection),
                connection.ops.adapt_datefield_value(s.date),
                theme_id,
            )
            for s in links
            for theme_id in s.intensities
        ]
        cursor.executemany(f"INSERT INTO {PLAIN_TABLE} VALUES (%s, %s, %s, %s)", rows)  # noqa: S608
    return len(rows)


# Every (theme, client) pair touched in the range, with the client's sessions in the range and
# what the recurring rule needs: sessions touching it overall and within the client's window.
PLAIN_QUERY = f"""
WITH ranked AS (
    SELECT s.id AS session_id, s.client_id, c.number,
           ROW_NUMBER() OVER (PARTITION BY s.client_id
                              ORDER BY s.date DESC, s.start_time DESC, s.id DESC) AS back,
           COUNT(*) OVER (PARTITION BY s.client_id) AS total
    FROM therapy_sessions_therapysession s
    JOIN clients_client c ON c.id = s.client_id
    WHERE c.therapist_id = %s AND c.status = 'active' AND s.date >= %s AND s.date <= %s
)
SELECT l.theme_id, r.client_id, r.number, MAX(r.total), COUNT(*),
       SUM(CASE WHEN r.back <= %s THEN 1 ELSE 0 END)
FROM ranked r JOIN {PLAIN_TABLE} l ON l.session_id = r.session_id
GROUP BY l.theme_id, r.client_id, r.number
"""  # noqa: S608 (a constant table name)


def plain_rows(therapist, date_from, date_to) -> list[tuple]:
    import datetime

    from django.db import connection

    from themes.analytics import RECURRING_WINDOW

    with connection.cursor() as cursor:
        cursor.execute(
            PLAIN_QUERY,
            [
                therapist.pk,
                connection.ops.adapt_datefield_value(date_from or datetime.date.min),
                connection.ops.adapt_datefield_value(date_to or datetime.date.max),
                RECURRING_WINDOW,
            ],
        )
        return cursor.fetchall()


def plaintext_caseload(
    therapist, *, category=None, theme_slug=None, date_from=None, date_to=None, names_per_row=None
):
    """``themes.analytics.caseload`` as it would be over the plaintext table."""
    import uuid

    from clients.models import Client
    from encryption.bulk import decrypt_values
    from themes import analytics
    from themes.models import Theme

    themes = Theme.objects.available_to(therapist)
    if category:
        themes = themes.filter(category=category)
    if theme_slug:
        themes = themes.filter(slug=theme_slug)
    theme_map = {theme.pk: theme for theme in themes}
    if not theme_map:
        return []
    found = plain_rows(therapist, date_from, date_to)
    recurring, touched = defaultdict(list), defaultdict(int)
    for theme_id, client_id, number, total, count, recent in found:
        if theme_id not in theme_map:
            continue
        touched[theme_id] += 1
        window = min(total, analytics.RECURRING_WINDOW)
        if analytics.is_recurring(count, recent, window):
            client_id = client_id if isinstance(client_id, uuid.UUID) else uuid.UUID(client_id)
            client = analytics.CaseloadClient(client_id, number, total, recent / window)
            recurring[theme_id].append(client)
    result = [
        analytics.CaseloadRow(
            theme=theme_map[theme_id],
            clients=sorted(recurring[theme_id], key=lambda c: (-c.recent_share, c.number)),
            touched=count,
        )
        for theme_id, count in touched.items()
    ]
    result.sort(key=lambda row: (-row.recurring, -row.touched, row.theme.sort_order, row.theme.pk))
    shown = [client for row in result for client in row.clients[:names_per_row]]
    wanted = list(dict.fromkeys(client.client_id for client in shown))
    sealed = dict(
        Client.objects.for_therapist(therapist).filter(pk__in=wanted).values_list("id", "full_name")
    )
    names = decrypt_values(Client, "full_name", ((pk, sealed[pk], therapist.pk) for pk in wanted))
    by_id = dict(zip(wanted, names, strict=True))
    for client in shown:
        client.name = by_id[client.client_id]
    return result


def outline(rows) -> list:
    return [
        (
            row.theme.pk,
            row.touched,
            [(c.client_id, c.number, c.sessions, c.recent_share, c.name) for c in row.clients],
        )
        for row in rows
    ]


def check_same_result(therapist) -> None:
    """The plaintext figure is only a comparison if it computes the same page."""
    import datetime

    from django.utils import timezone

    from themes.analytics import caseload

    today = timezone.localdate()
    for filters in (
        {"date_from": today - datetime.timedelta(days=365), "date_to": today, "names_per_row": 8},
        {"date_from": datetime.date(2000, 1, 1), "date_to": today},
        {"category": "affect", "date_from": today - datetime.timedelta(days=90)},
        {"theme_slug": "anxiety"},
    ):
        expected = outline(caseload(therapist, **filters))
        assert expected, filters
        assert outline(plaintext_caseload(therapist, **filters)) == expected, filters


def compare_with_plaintext(http, path: str, therapist) -> None:
    import datetime

    from django.utils import timezone

    rows = make_plain_table(therapist)
    note(f"plaintext comparison: {rows:,} theme links in {PLAIN_TABLE}")
    check_same_result(therapist)
    encrypted, plain = [], []
    with mock.patch("themes.analytics.caseload", plaintext_caseload):
        assert http.get(path).status_code == 200
    for _ in range(WARM_REPEAT):  # in turns: both see the same load
        encrypted += timed_ms(lambda: http.get(path), 1)
        with mock.patch("themes.analytics.caseload", plaintext_caseload):
            plain += timed_ms(lambda: http.get(path), 1)
    emit("themes", "caseload_view_p50_ms", median(encrypted), "ms", CASELOAD_BUDGET_MS)
    emit("themes", "caseload_view_p95_ms", percentile(encrypted, 0.95), "ms", CASELOAD_BUDGET_MS)
    emit("themes", "plaintext_caseload_ms", median(plain), "ms")
    today = timezone.localdate()
    year = timed_ms(lambda: plain_rows(therapist, today - datetime.timedelta(days=365), today), 10)
    note(f"of which the plaintext SQL: {median(year):.1f} ms")
    ratio = median(encrypted) / median(plain)
    emit("themes", "caseload_vs_plaintext_ratio", ratio, "ratio", PLAINTEXT_RATIO_BUDGET)


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from django.test import Client as HttpClient
    from django.urls import reverse

    from accounts.testing import sign_in
    from clients.models import Client, ClientStatus
    from sessions.models import TherapySession
    from themes.analytics import load_theme_links, theme_stats
    from themes.models import Theme

    therapist, long_client = seed()
    total = TherapySession.objects.for_therapist(therapist).count()
    long_total = TherapySession.objects.filter(client=long_client).count()
    active = Client.objects.for_therapist(therapist).filter(status=ClientStatus.ACTIVE).count()
    note(f"{total:,} sessions for {therapist.username} ({active} active clients)")
    note(f"the long client has {long_total}")
    http = HttpClient()
    started = set(threading.enumerate())
    sign_in(http, therapist)  # password and second factor, as a browser would be
    for thread in set(threading.enumerate()) - started:  # background work of the sign-in
        thread.join(timeout=300)

    caseload = reverse("theme_caseload")
    cold = timed_ms(lambda: http.get(caseload), 1)[0]
    emit("themes", "caseload_view_cold_ms", cold, "ms")  # the budget is for warm requests
    _, count, status = measure(http, caseload, repeat=1)
    assert status == 200, status
    emit("themes", "caseload_view_queries", count, "count")
    compare_with_plaintext(http, caseload, therapist)
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
