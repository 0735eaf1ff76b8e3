"""Time to build a therapist's calendar feed (issue 15 budget: a year of 2,000 events in at most
300 ms).

Data: one therapist with 40 clients and 2,000 appointments spread over the feed's window (60
days back, a year ahead), made through ``appointments.services.schedule`` with a location and a
remark each (which the feed must not read). Measured: ``appointments.feed.build_feed`` (the
query, the integrity check of the rows read, the labels, the ICS bytes), in client-code and in
initials mode (which decrypts each client's name once), and a whole fetch of the secret address
through Django's test client (middleware, the view, the audit entry).

Run from the repository root: ``python -m bench.bench_calendar_feed``.
"""

import datetime
import os
import random

from bench.harness import emit, median, note, setup_django, timed_ms

APPOINTMENTS = 2_000
CLIENTS = 40
REPEAT = 7
BUDGET_MS = 300


def seed():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from appointments.models import AppointmentStatus
    from appointments.services import Details, schedule, set_status
    from clients.models import Client
    from clients.services import create_client

    rng = random.Random(1)
    therapist = get_user_model().objects.create_user("bench-feed", first_name="Bench")
    clients = [
        create_client(
            therapist=therapist,
            client=Client(
                full_name=f"Bench Client{index:02d} Feedwell", intake_date=datetime.date(2025, 1, 6)
            ),
        )
        for index in range(CLIENTS)
    ]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    first = now - datetime.timedelta(days=55)
    for index in range(APPOINTMENTS):
        # Spread over 415 days, on the hour between 08:00 and 19:00 UTC.
        day = first + datetime.timedelta(days=index * 415 // APPOINTMENTS)
        start = day.replace(hour=8 + index % 12)
        (appointment,) = schedule(
            therapist=therapist,
            client=rng.choice(clients),
            start=start,
            details=Details(location="Room 2, first floor", remark="Bench remark, never shown."),
        )
        if index % 20 == 0:
            set_status(
                appointment=appointment,
                user=therapist,
                status=AppointmentStatus.CANCELLED,
                reason="Bench reason.",
            )
    return therapist


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from django.test import Client as HttpClient
    from django.urls import reverse
    from icalendar import Calendar

    from appointments import feed
    from appointments.models import FeedLabel

    therapist = seed()
    body = feed.build_feed(therapist)
    events = len(Calendar.from_ical(body).walk("VEVENT"))
    note(f"{events} events, {len(body) / 1024:.0f} KiB of ICS")
    assert events == APPOINTMENTS, events
    emit("calendar_feed", "year_feed_events", events, "count")
    samples = timed_ms(lambda: feed.build_feed(therapist), REPEAT)
    emit("calendar_feed", "year_feed_ms", median(samples), "ms", BUDGET_MS)

    feed.set_label(therapist=therapist, label=FeedLabel.INITIALS)
    samples = timed_ms(lambda: feed.build_feed(therapist), REPEAT)
    emit("calendar_feed", "year_feed_initials_ms", median(samples), "ms", BUDGET_MS)

    # The whole fetch of the address, as a calendar program makes it (with its audit entry).
    token = feed.renew(therapist=therapist)
    http = HttpClient()
    path = reverse("calendar_feed_ics", args=[token])
    assert http.get(path).status_code == 200
    samples = timed_ms(lambda: http.get(path), REPEAT)
    emit("calendar_feed", "year_feed_fetch_ms", median(samples), "ms")


if __name__ == "__main__":
    main()
