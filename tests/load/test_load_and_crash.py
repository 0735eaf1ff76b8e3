"""The CI versions of the load and crash benchmarks (issue 8), on the engine the suite runs on.

A real gunicorn (4 workers, the deployment's config) on a scratch database of its own: an
SQLite file in a temp dir, or on PostgreSQL a fresh database ``loadtest_<pid>_<random>``
created and dropped here, on the suite's PostgreSQL server.
Twenty therapists sign in through the real two steps and work for 10 seconds; then five runs
of "kill the server mid-write, restart, check" on the same database.

Asserted: no 5xx, no request without an answer, no "database is locked", no lost acknowledged
write, no half-signed note, SQLite's integrity check. Latencies are not asserted here: timing is
checked by the benchmarks only (``make loadtest``).
"""

import pytest
from django.conf import settings

from bench.crashtest import run_crashes
from bench.liveserver import make_scratch, prepare, seed
from bench.loadtest import run_load

pytestmark = pytest.mark.slow


def _engine() -> tuple[str, str | None]:
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        # The same server and role as the suite; CREATE/DROP DATABASE run from the server's
        # "postgres" maintenance database, which always exists.
        user = database.get("USER") or "postgres"
        password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
        host = database.get("HOST") or "127.0.0.1"
        port = database.get("PORT") or 5432
        return "postgres", f"postgres://{user}{password}@{host}:{port}/postgres"
    return "sqlite", None


@pytest.fixture(scope="module")
def scratch():
    """One scratch database for both: migrated and seeded once (20 therapists, each with 3
    clients of 4 sessions and an authenticator), dropped at the end."""
    engine, pg_url = _engine()
    database = make_scratch(engine, "loadtest", pg_url)
    try:
        prepare(database)
        yield database, seed(database, therapists=20, clients=3, sessions=4)
    finally:
        database.destroy()


@pytest.fixture(scope="module")
def load(scratch):
    engine = scratch[0].engine
    # Shorter pauses than the benchmark's, so that ten seconds include saves and signatures.
    return run_load(engine, duration=10, think_scale=0.3, shared=scratch)


@pytest.fixture(scope="module")
def crashes(scratch, load):
    # After the load test (never both servers at once), on four of its therapists.
    return run_crashes(scratch[0].engine, runs=5, therapists=4, shared=scratch)


def test_under_load_every_request_is_answered_without_a_server_error(load):
    details = load["details"]
    assert load["requests"] > 0
    assert load["errors_5xx"] == 0, details
    assert load["server_5xx"] == 0, details
    assert load["no_answer"] == 0, details["failures"]
    assert load["server_tracebacks"] == 0
    assert load["unexpected_answers"] == 0, details["unexpected"]


def test_under_load_the_database_is_never_locked(load):
    assert load["db_locked"] == 0


def test_under_load_no_acknowledged_write_is_lost_or_half_signed(load):
    details = load["details"]
    assert load["acknowledged_writes"] > 0
    assert details["checked"].get("drafts", 0) > 0
    assert load["lost_writes"] == 0, details["lost"]
    assert load["half_signed"] == 0, details["half_signed"]
    assert load["integrity"] in {"ok", "n/a"}


def test_killing_the_server_mid_write_loses_nothing_acknowledged(crashes):
    assert crashes["runs"] == 5
    assert crashes["acknowledged_writes"] > 0
    assert crashes["restart_failures"] == 0, crashes["details"]
    assert crashes["integrity_failures"] == 0, crashes["details"]
    assert crashes["lost_writes"] == 0, crashes["details"]
    assert crashes["half_signed"] == 0, crashes["details"]
    assert crashes["violations"] == 0, crashes["details"]
