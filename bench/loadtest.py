"""Load test: twenty therapists working at once against gunicorn (4 workers), on SQLite and on
PostgreSQL, for 60 seconds each (issue 8).

Per database: a scratch database (an SQLite file in a temp dir, or a fresh PostgreSQL database
``loadtest_<pid>_<random>``, dropped afterwards), migrated; 20 bench therapists seeded with
clients, sessions and a confirmed authenticator each; gunicorn with production settings (DEBUG
off, test-only keys generated into the temp dir, plain HTTP on a random loopback port). Each
simulated therapist signs in through the real two steps (password, then a TOTP code computed
from its device key), then works with think times (``bench.workload``): dashboard, client
pages, search, autosaves every few seconds while writing, save, edit, sign, a case summary PDF.

Targets (JSON lines on stdout, one per figure, with budgets):
  * 0 answers 5xx, 0 requests without an answer, 0 "database is locked" in the server log;
  * 0 lost acknowledged writes: every acknowledged autosave, save and signature is read back
    from the database through the app's models (decrypting) by id and content hash;
  * 0 half-signed notes; SQLite passes ``PRAGMA integrity_check``;
  * p95 under 300 ms for pages (HTML GETs) and under 150 ms for autosaves. Form POSTs (save,
    edit, sign), sign-in and PDFs are reported without a budget.

Two app servers (``--servers 2``, and after the one-server runs by default): two gunicorns
(4 workers each, the same deployment config) on two ports sharing one PostgreSQL database,
every therapist's requests alternating between them one by one, as a round-robin balancer
would send them (the form from one server, its autosave to the other, the signature to either).
The same checks, on both servers' logs, and figures under ``loadtest_postgres_two_servers``.

Every run also reads each acknowledged note back over HTTP through every server (with two, the
one that did not acknowledge the write as well): the page answers 200 with the acknowledged
text and signature (``readback_failures``, budget 0); and checks the audit log's HMAC chain.

``python -m bench.loadtest [--db sqlite|postgres|both] [--servers 1|2|both] [--duration 60]``;
``make loadtest``. Progress goes to stderr.
"""

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.harness import emit, note, percentile
from bench.liveserver import (
    Browser,
    Checker,
    Stats,
    add_mode_arguments,
    for_each_mode,
    make_scratch,
    mode_name,
    prepare,
    read_back,
    seed,
    sign_in,
    spread,
    start_servers,
)
from bench.workload import SimulatedTherapist

THERAPISTS = 20
CLIENTS = 8
SESSIONS = 10  # per client
WORKERS = 4
PAGE_P95_BUDGET_MS = 300
AUTOSAVE_P95_BUDGET_MS = 150
LOCKED = "database is locked"


def run_load(
    engine: str,
    *,
    duration: float,
    therapists: int = THERAPISTS,
    clients: int = CLIENTS,
    sessions: int = SESSIONS,
    workers: int = WORKERS,
    servers: int = 1,
    pg_url: str | None = None,
    think_scale: float = 1.0,
    keep: bool = False,
    static_root=None,
    shared=None,
) -> dict:
    """One load run on one database engine, through ``servers`` gunicorns sharing it; returns
    the figures (and details for failures). ``shared``: (scratch, therapists) already migrated
    and seeded, left in place afterwards."""
    scratch = shared[0] if shared else make_scratch(engine, "loadtest", pg_url, static_root)
    mode = mode_name(engine, servers)
    running = []
    try:
        began = time.monotonic()

        def step(message: str) -> None:
            note(f"[{mode}] {time.monotonic() - began:5.1f} s: {message}")

        if shared:
            people = shared[1][:therapists]
        else:
            step(f"scratch in {scratch.workdir}; migrating")
            prepare(scratch)
            step("seeding")
            people = seed(scratch, therapists=therapists, clients=clients, sessions=sessions)
        running = start_servers(scratch, servers, workers)
        step(
            f"{servers} gunicorn ({workers} workers each) on "
            + ", ".join(server.base_url for server in running)
        )
        stats = Stats()
        browsers = [Browser(running[0].base_url, stats) for _ in people]
        spread(browsers, running)
        with ThreadPoolExecutor(max_workers=len(people)) as pool:
            list(pool.map(sign_in, browsers, people))
        step(f"{len(people)} therapists signed in; working for {duration:.0f} s")
        stop = threading.Event()
        deadline = time.monotonic() + duration
        sims = [
            SimulatedTherapist(
                person,
                running[0].base_url,
                stats,
                deadline=deadline,
                stop=stop,
                think_scale=think_scale,
                seed=index,
                browser=browser,
            )
            for index, (person, browser) in enumerate(zip(people, browsers, strict=True))
        ]
        spread(browsers, running)  # SimulatedTherapist points its browser at one address
        threads = [threading.Thread(target=sim.run) for sim in sims]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        step(
            "reading every acknowledged note back through "
            + ("each server" if servers > 1 else "the server")
        )
        back = read_back(
            [(sim.browser, sim.ledger) for sim in sims], [server.base_url for server in running]
        )
        step("stopping gunicorn")
        for server in running:
            server.stop()
        step("checking the database")
        ledger = scratch.workdir / "ledger.json"
        ledger.write_text(json.dumps([sim.ledger for sim in sims]), encoding="utf-8")
        checker = Checker(scratch)
        try:
            verdict = checker.check(ledger)
        finally:
            checker.close()
        log = "".join(server.log_text() for server in running)
        figures = _figures(stats, sims, verdict, log)
        statuses = [server.logged_statuses() for server in running]
        figures["server_5xx"] = sum(1 for each in statuses for status in each if status >= 500)
        figures["requests_logged_per_server"] = [len(each) for each in statuses]
        figures["readback_pages"] = back["pages"]
        figures["readback_failures"] = len(back["failures"]) + back["errors_5xx"]
        figures["details"]["readback"] = back["failures"][:20]
        figures["load_average"] = os.getloadavg()[0]
        figures["wall_time_s"] = time.monotonic() - began
        return figures
    finally:
        for server in running:
            server.stop()
        if not shared:
            scratch.destroy(keep=keep)


def _figures(stats: Stats, sims, verdict: dict, log: str) -> dict:
    def times(*categories):
        return [ms for category, status, ms in stats.samples if category in categories]

    def p(samples, fraction):
        return percentile(samples, fraction) if samples else 0.0

    pages, autosaves = times("page"), times("autosave")
    unexpected = [item for sim in sims for item in sim.unexpected]
    writes = [e for sim in sims for e in sim.ledger]
    return {
        "requests": len(stats.samples) + len(stats.failures),
        "errors_5xx": sum(1 for _, status, _ in stats.samples if status >= 500),
        "no_answer": len(stats.failures),
        "db_locked": log.count(LOCKED),
        "server_tracebacks": log.count("Traceback (most recent call last)"),
        "lost_writes": verdict["lost"],
        "half_signed": verdict["half_signed"],
        "integrity": verdict["integrity"],
        "acknowledged_writes": sum(1 for e in writes if e["acked"]),
        "unexpected_answers": len(unexpected),
        "pages_p50_ms": p(pages, 0.5),
        "pages_p95_ms": p(pages, 0.95),
        "autosave_p50_ms": p(autosaves, 0.5),
        "autosave_p95_ms": p(autosaves, 0.95),
        "writes_p95_ms": p(times("write"), 0.95),
        "pdf_p95_ms": p(times("pdf"), 0.95),
        "sign_in_p95_ms": p(times("login"), 0.95),
        "details": {
            "unexpected": unexpected[:20],
            "failures": stats.failures[:20],
            "lost": verdict["lost_details"],
            "half_signed": verdict["half_signed_details"],
            "checked": verdict["checked"],
            "routes_p50_p95_ms": _by_route(stats),
            "counts": {
                category: len(times(category))
                for category in ("page", "autosave", "write", "pdf", "login")
            },
        },
    }


def _by_route(stats: Stats) -> dict:
    grouped: dict[str, list[float]] = {}
    for route, ms in stats.routes:
        grouped.setdefault(route, []).append(ms)
    return {
        route: [len(times), round(percentile(times, 0.5)), round(percentile(times, 0.95))]
        for route, times in sorted(grouped.items())
    }


def report(mode: str, figures: dict) -> None:
    bench = f"loadtest_{mode}"
    emit(bench, "requests", figures["requests"], "requests")
    per_server = figures["requests_logged_per_server"]
    if len(per_server) > 1:  # how evenly the two servers shared the work
        for number, count in enumerate(per_server, start=1):
            emit(bench, f"requests_logged_server_{number}", count, "requests")
    emit(bench, "acknowledged_writes", figures["acknowledged_writes"], "writes")
    emit(bench, "errors_5xx", figures["errors_5xx"], "responses", 0)
    emit(bench, "server_5xx_logged", figures["server_5xx"], "responses", 0)
    emit(bench, "no_answer", figures["no_answer"], "requests", 0)
    emit(bench, "db_locked", figures["db_locked"], "log lines", 0)
    emit(bench, "lost_writes", figures["lost_writes"], "writes", 0)
    emit(bench, "half_signed", figures["half_signed"], "notes", 0)
    emit(bench, "integrity_check_failed", figures["integrity"] not in {"ok", "n/a"}, "bool", 0)
    emit(bench, "readback_pages", figures["readback_pages"], "pages")
    emit(bench, "readback_failures", figures["readback_failures"], "pages", 0)
    emit(bench, "unexpected_answers", figures["unexpected_answers"], "responses", 0)
    emit(bench, "pages_p50_ms", figures["pages_p50_ms"], "ms")
    emit(bench, "pages_p95_ms", figures["pages_p95_ms"], "ms", PAGE_P95_BUDGET_MS)
    emit(bench, "autosave_p50_ms", figures["autosave_p50_ms"], "ms")
    emit(bench, "autosave_p95_ms", figures["autosave_p95_ms"], "ms", AUTOSAVE_P95_BUDGET_MS)
    emit(bench, "writes_p95_ms", figures["writes_p95_ms"], "ms")
    emit(bench, "pdf_p95_ms", figures["pdf_p95_ms"], "ms")
    emit(bench, "sign_in_p95_ms", figures["sign_in_p95_ms"], "ms")
    emit(bench, "wall_time_s", figures["wall_time_s"], "s")
    # Latencies mean little if other work shares the two cores: the 1-minute load average.
    emit(bench, "load_average_1min", figures["load_average"], "processes")
    if figures["integrity"] not in {"ok", "n/a"}:
        note(f"[{mode}] integrity: {figures['integrity']}")
    note(f"[{mode}] details: {json.dumps(figures['details'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_arguments(parser)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--therapists", type=int, default=THERAPISTS)
    parser.add_argument("--clients", type=int, default=CLIENTS, help="per therapist")
    parser.add_argument("--sessions", type=int, default=SESSIONS, help="per client")
    parser.add_argument(
        "--think-scale", type=float, default=1.0, help="multiply every think time by this"
    )
    args = parser.parse_args(argv)

    for_each_mode(
        args,
        run_load,
        report,
        duration=args.duration,
        therapists=args.therapists,
        clients=args.clients,
        sessions=args.sessions,
        think_scale=args.think_scale,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
