"""What the integrity ledger costs: a write, a client page that reads 100 sessions, and
``verify_records`` over a caseload. Each is measured with the ledger and without it in the same
run (the alternative: the same write through ``Model.save`` without the ledger; the same page
with the read check switched off), and reported as a ratio. No issue sets budgets for these
(budget null).
"""

import datetime
import os
import time
from contextlib import contextmanager
from unittest import mock

from bench.harness import emit, median, note, setup_django, timed_ms

NOTE = ("She described the week in careful detail, pausing often. " * 20)[:1024]


@contextmanager
def ledger_check_off():
    from encryption.signals import record_opened
    from integrity.receivers import _opened

    record_opened.disconnect(dispatch_uid="integrity-opened")
    try:
        with (
            mock.patch("integrity.check.check_loaded"),
            mock.patch("clients.views.check_loaded"),
            mock.patch("clients.views.check_children"),
            mock.patch("search.services._check_shown"),
        ):
            yield
    finally:
        record_opened.connect(_opened, dispatch_uid="integrity-opened")


def bench_write(session) -> None:
    from django.db import models

    def with_ledger():
        session.plan = "Walks after work."
        session.save()

    def without_ledger():
        session.plan = "Walks after work."
        models.Model.save(session)

    for _ in range(20):
        with_ledger()
        without_ledger()
    ledger = median(timed_ms(with_ledger, 300))
    plain = median(timed_ms(without_ledger, 300))
    with_ledger()  # the row as the ledger last saw it, for the page below
    emit("integrity", "session_save_p50_ms", ledger, "ms")
    emit("integrity", "session_save_without_ledger_p50_ms", plain, "ms")
    emit("integrity", "session_save_cost_ratio", ledger / plain, "x")


def bench_page(http, client) -> None:
    url = f"/clients/{client.pk}/"
    assert http.get(url).status_code == 200
    checked = median(timed_ms(lambda: http.get(url), 30))
    with ledger_check_off():
        assert http.get(url).status_code == 200
        unchecked = median(timed_ms(lambda: http.get(url), 30))
    emit("integrity", "client_page_100_sessions_p50_ms", checked, "ms")
    emit("integrity", "client_page_without_check_p50_ms", unchecked, "ms")
    emit("integrity", "client_page_check_cost_ratio", checked / unchecked, "x")


def bench_verify() -> None:
    from io import StringIO

    from django.core.management import call_command

    from integrity.models import RowSeal
    from sessions.models import TherapySession

    out = StringIO()
    start = time.perf_counter()
    call_command("verify_records", stdout=out)
    seconds = time.perf_counter() - start
    items = RowSeal.objects.count() + TherapySession.objects.count()
    note(out.getvalue().strip())
    emit("integrity", "verify_records_items_per_s", items / seconds, "items/s")


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    from django.contrib.auth import get_user_model
    from django.test import Client as HttpClient

    from accounts.testing import sign_in
    from clients.models import Client
    from clients.services import create_client
    from sessions.models import TherapySession

    therapist = get_user_model().objects.create_user("bench-ledger", password="bench-pw-2026")  # noqa: S106
    clients = [
        create_client(therapist=therapist, client=Client(full_name=f"Client {i:03d}"))
        for i in range(50)
    ]
    for client in clients:
        TherapySession.objects.bulk_create(
            TherapySession(
                client=client,
                date=datetime.date(2025, 1, 1) + datetime.timedelta(days=7 * n),
                start_time=datetime.time(9),
                note={"narrative": NOTE},
            )
            for n in range(100)
        )
    session = TherapySession.objects.filter(client=clients[0]).first()
    bench_write(session)
    http = HttpClient()
    sign_in(http, therapist)
    bench_page(http, clients[0])
    bench_verify()


if __name__ == "__main__":
    main()
