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

``python -m bench.loadtest [--db sqlite|postgres|both] [--duration 60]``; ``make loadtest``.
Progress goes to stderr.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.harness import emit, note, percentile
from bench.liveserver import (
    DEFAULT_PG_URL,
    Browser,
    Checker,
    Server,
    Stats,
    engines_to_run,
    make_scratch,
    prepare,
    seed,
    sign_in,
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
    pg_url: str | None = None,
    think_scale: float = 1.0,
    keep: bool = False,
    static_root=None,
    shared=None,
) -> dict:
    """One load run on one database engine; returns the figures (and details for failures).
    ``shared``: (scratch, therapists) already migrated and seeded, left in place afterwards."""
    scratch = shared[0] if shared else make_scratch(engine, "loadtest", pg_url, static_root)
    server = None
    try:
        began = time.monotonic()

        def step(message: str) -> None:
            note(f"[{engine}] {time.monotonic() - began:5.1f} s: {message}")

        if shared:
            people = shared[1][:therapists]
        else:
            step(f"scratch in {scratch.workdir}; migrating")
            prepare(scratch)
            step("seeding")
            people = seed(scratch, therapists=therapists, clients=clients, sessions=sessions)
        server = Server(scratch, workers=workers)
        server.start()
        step(f"gunicorn ({workers} workers) on {server.base_url}")
        stats = Stats()
        browsers = [Browser(server.base_url, stats) for _ in people]
        with ThreadPoolExecutor(max_workers=len(people)) as pool:
            list(pool.map(sign_in, browsers, people))
        step(f"{len(people)} therapists signed in; working for {duration:.0f} s")
        stop = threading.Event()
        deadline = time.monotonic() + duration
        sims = [
            SimulatedTherapist(
                person,
                server.base_url,
                stats,
                deadline=deadline,
                stop=stop,
                think_scale=think_scale,
                seed=index,
                browser=browser,
            )
            for index, (person, browser) in enumerate(zip(people, browsers, strict=True))
        ]
        threads = [threading.Thread(target=sim.run) for sim in sims]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        step("stopping gunicorn")
        server.stop()
        step("checking the database")
        ledger = scratch.workdir / "ledger.json"
        ledger.write_text(json.dumps([sim.ledger for sim in sims]), encoding="utf-8")
        checker = Checker(scratch)
        try:
            verdict = checker.check(ledger)
        finally:
            checker.close()
        log = server.log_text()
        figures = _figures(stats, sims, verdict, log)
        figures["server_5xx"] = sum(1 for status in server.logged_statuses() if status >= 500)
        figures["load_average"] = os.getloadavg()[0]
        return figures
    finally:
        if server is not None:
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


def report(engine: str, figures: dict) -> None:
    bench = f"loadtest_{engine}"
    emit(bench, "requests", figures["requests"], "requests")
    emit(bench, "acknowledged_writes", figures["acknowledged_writes"], "writes")
    emit(bench, "errors_5xx", figures["errors_5xx"], "responses", 0)
    emit(bench, "server_5xx_logged", figures["server_5xx"], "responses", 0)
    emit(bench, "no_answer", figures["no_answer"], "requests", 0)
    emit(bench, "db_locked", figures["db_locked"], "log lines", 0)
    emit(bench, "lost_writes", figures["lost_writes"], "writes", 0)
    emit(bench, "half_signed", figures["half_signed"], "notes", 0)
    emit(bench, "integrity_check_failed", figures["integrity"] not in {"ok", "n/a"}, "bool", 0)
    emit(bench, "unexpected_answers", figures["unexpected_answers"], "responses", 0)
    emit(bench, "pages_p50_ms", figures["pages_p50_ms"], "ms")
    emit(bench, "pages_p95_ms", figures["pages_p95_ms"], "ms", PAGE_P95_BUDGET_MS)
    emit(bench, "autosave_p50_ms", figures["autosave_p50_ms"], "ms")
    emit(bench, "autosave_p95_ms", figures["autosave_p95_ms"], "ms", AUTOSAVE_P95_BUDGET_MS)
    emit(bench, "writes_p95_ms", figures["writes_p95_ms"], "ms")
    emit(bench, "pdf_p95_ms", figures["pdf_p95_ms"], "ms")
    emit(bench, "sign_in_p95_ms", figures["sign_in_p95_ms"], "ms")
    # Latencies mean little if other work shares the two cores: the 1-minute load average.
    emit(bench, "load_average_1min", figures["load_average"], "processes")
    note(f"[{engine}] details: {json.dumps(figures['details'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--therapists", type=int, default=THERAPISTS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--clients", type=int, default=CLIENTS, help="per therapist")
    parser.add_argument("--sessions", type=int, default=SESSIONS, help="per client")
    parser.add_argument(
        "--think-scale", type=float, default=1.0, help="multiply every think time by this"
    )
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="an existing database to connect to for CREATE/DROP DATABASE",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, ledger)")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: unwind, so that the server is stopped and the database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    engines = engines_to_run(args.db, args.pg_url)
    static_root = Path(tempfile.mkdtemp(prefix="therapy-notes-static-"))
    try:
        for engine in engines:
            figures = run_load(
                engine,
                duration=args.duration,
                therapists=args.therapists,
                clients=args.clients,
                sessions=args.sessions,
                workers=args.workers,
                pg_url=args.pg_url,
                think_scale=args.think_scale,
                keep=args.keep,
                static_root=static_root,
            )
            report(engine, figures)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
