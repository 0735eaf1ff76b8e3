"""Server time of the dashboard with a full week of appointments (issue budget: p95 under
80 ms, warm), with its query count.

Data: ``seed_demo --therapists 1 --clients 200 --sessions 10 --random-seed 1`` (2,000 notes for
bench-therapist-01), then 40 appointments made through ``appointments.services``: 8 a day from
two days ago to two days on (so 8 today, whatever the day the bench runs), 09:00 to 16:50.
Those that have ended are attended; of those, every other one has its note (signed, or a draft
for one in four), the others are the *missing notes*. Times are through Django's test client,
signed in with password and second factor: middleware, view, template, no network.

Run from the repository root: ``python -m bench.bench_dashboard`` (``--queries`` lists the
queries of one request on stderr, slowest first).
"""

import datetime
import os
import sys

from bench.harness import emit, median, note, percentile, setup_django, timed_ms

BENCH = "dashboard"
CLIENTS = 200
SESSIONS = 10  # per client
SEED = 1
DAYS = (-2, -1, 0, 1, 2)
PER_DAY = 8
WARM_UP = 10
REPEAT = 60
P95_BUDGET_MS = 80


def seed():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command(
        "seed_demo",
        therapists=1,
        clients=CLIENTS,
        sessions=SESSIONS,
        random_seed=SEED,
        stdout=sys.stderr,
    )
    therapist = get_user_model().objects.get(username="bench-therapist-01")
    return therapist, book_week(therapist)


def book_week(therapist) -> int:
    """40 appointments around today, settled as of now, some with notes. Returns how many
    attended appointments have no signed note."""
    from django.utils import timezone

    from appointments import clock
    from appointments.models import AppointmentStatus, Modality
    from appointments.services import Details, schedule, set_status
    from clients.models import Client
    from sessions.models import TherapySession
    from sessions.services import import_sessions

    now = timezone.now()
    today = timezone.localdate()
    clients = list(Client.objects.for_therapist(therapist).order_by("number")[: len(DAYS) * 8])
    modalities = [Modality.IN_PERSON, Modality.IN_PERSON, Modality.VIDEO, Modality.PHONE]
    made = []
    for day_index, offset in enumerate(DAYS):
        day = today + datetime.timedelta(days=offset)
        for slot in range(PER_DAY):
            client = clients[day_index * PER_DAY + slot]
            made += schedule(
                therapist=therapist,
                client=client,
                start=clock.aware(day, datetime.time(9 + slot)),
                details=Details(modality=modalities[slot % len(modalities)]),
            )
    attended = [item for item in made if item.end <= now]
    for item in attended:
        set_status(appointment=item, user=therapist, status=AppointmentStatus.ATTENDED)
    # A note for every other attended appointment, a copy of the client's latest note.
    notes = []
    for position, item in enumerate(attended[::2]):
        latest = TherapySession.objects.filter(client=item.client).order_by("-date").first()
        start = clock.local(item.start)
        note_row = TherapySession(
            client=item.client,
            appointment=item,
            date=start.date(),
            start_time=start.time(),
            duration_minutes=item.duration_minutes,
            modality=item.modality,
            session_type=latest.session_type,
            note_format=latest.note_format,
            note=dict(latest.note),
            mood_affect=latest.mood_affect,
            risk_level=latest.risk_level,
            risk_notes=latest.risk_notes,
            interventions=latest.interventions,
            plan=latest.plan,
            themes=list(latest.themes),
        )
        if position % 4 != 3:
            note_row.apply_signature(therapist, now)
        notes.append(note_row)
    import_sessions(sessions=notes)
    signed = sum(1 for row in notes if row.is_signed)
    return len(attended) - signed


def query_report(http, path: str) -> None:
    """Every query of one request on stderr, slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        http.get(path)
    ordered = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    note(f"{len(ordered)} queries, {sum(float(q['time']) for q in ordered) * 1000:.1f} ms in all")
    for query in ordered:
        note(
            f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:120]} … {query['sql'][-300:]}"
        )


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.testing import sign_in
    from appointments import clock
    from appointments.models import Appointment

    therapist, missing = seed()
    mine = Appointment.objects.for_therapist(therapist)
    start, end = clock.day_bounds(timezone.localdate())
    note(
        f"{mine.count()} appointments, {mine.filter(start__gte=start, start__lt=end).count()} "
        f"today, {missing} attended without a signed note; {CLIENTS} clients"
    )
    http = HttpClient()
    sign_in(http, therapist)  # password and second factor, as a browser would be
    path = reverse("dashboard")
    response = http.get(path)
    assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        http.get(path)
    count = len(queries)
    timed_ms(lambda: http.get(path), WARM_UP)
    samples = timed_ms(lambda: http.get(path), REPEAT)
    emit(BENCH, "p95_ms", percentile(samples, 0.95), "ms", P95_BUDGET_MS)
    emit(BENCH, "p50_ms", median(samples), "ms")
    emit(BENCH, "queries", count, "count")
    if "--queries" in sys.argv or percentile(samples, 0.95) > P95_BUDGET_MS:
        query_report(http, path)


if __name__ == "__main__":
    main()
