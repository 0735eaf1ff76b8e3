"""Per-value cost of the field encryption, and of a client list that decrypts and sorts names.

No issue sets budgets for these figures (budget null); they show where the time goes.
"""

import os
import time

from bench.harness import emit, median, note, percentile, setup_django, timed_ms

NOTE_2KB = ("She described the week in careful detail, pausing often. " * 40)[:2048]


def bench_envelope() -> None:
    from encryption.envelope import open_sealed, seal

    payload = NOTE_2KB.encode()
    rounds = 20_000
    start = time.perf_counter()
    for _ in range(rounds):
        blob = seal(payload, label="bench.note.text", row_id="row")
    encrypt_us = (time.perf_counter() - start) / rounds * 1e6
    start = time.perf_counter()
    for _ in range(rounds):
        open_sealed(blob, label="bench.note.text", row_id="row")
    decrypt_us = (time.perf_counter() - start) / rounds * 1e6
    emit("encryption", "envelope_encrypt_2kb_us", encrypt_us, "us")
    emit("encryption", "envelope_decrypt_2kb_us", decrypt_us, "us")


def bench_orm_and_client_list(clients: int = 300) -> None:
    import datetime

    from django.contrib.auth import get_user_model
    from django.test import Client as HttpClient

    from accounts.testing import sign_in
    from clients.models import Client
    from sessions.models import TherapySession

    therapist = get_user_model().objects.create_user("bench-list", password="bench-password-2026")  # noqa: S106
    rng_names = [f"Client {chr(65 + i % 26)}{i:04d} Example" for i in range(clients)]
    Client.objects.bulk_create(
        [
            Client(therapist=therapist, number=i + 1, full_name=name, presenting_concerns=NOTE_2KB)
            for i, name in enumerate(rng_names)
        ]
    )
    first = Client.objects.filter(therapist=therapist).first()
    TherapySession.objects.bulk_create(
        [
            TherapySession(
                client=first,
                start_time=datetime.time(9),
                date=datetime.date(2026, 1, 1),
                note={"narrative": NOTE_2KB},
            )
            for _ in range(2000)
        ]
    )

    def read_notes() -> None:
        for session in TherapySession.objects.filter(client=first):
            session.note  # noqa: B018 (the read decrypts)

    samples = timed_ms(read_notes, 5)
    emit("encryption", "orm_load_and_decrypt_per_note_us", median(samples) * 1000 / 2000, "us")

    http = HttpClient()
    sign_in(http, therapist)  # password and second factor, as a browser would be
    http.get("/clients/")
    samples = timed_ms(lambda: http.get("/clients/"), 20)
    emit("client_list", f"p50_ms_{clients}_clients", median(samples), "ms")
    emit("client_list", f"p95_ms_{clients}_clients", percentile(samples, 0.95), "ms")


def main() -> None:
    workdir = setup_django(os.environ.get("BENCH_DATABASE_URL"))
    note(f"bench database in {workdir}")
    bench_envelope()
    bench_orm_and_client_list()


if __name__ == "__main__":
    main()
