"""Crash test: kill the server (SIGKILL, the whole gunicorn process group) at a random moment
while therapists autosave, save and sign; restart it; check nothing acknowledged was lost and
nothing is half-done (issue 8).

One scratch database (SQLite file, or a fresh PostgreSQL database ``crash_<pid>_<random>``),
seeded once; six therapists signed in once through the real two steps (their sessions survive
restarts, as a browser's would). Each run:

1. start gunicorn (the deployment's config/gunicorn.conf.py, 4 workers, random loopback port);
2. every therapist writes notes quickly: autosaves a fraction of a second apart, saves,
   edits, signs (``bench.workload`` with short think times), every write entered in a ledger;
3. once a random number (1-30) of writes of this run has been sent, plus 0-0.3 s, SIGKILL
   the process group (arbiter and workers, mid-request);
4. restart gunicorn; the app must answer a signed-in page again;
5. check the database (``bench.appside``): SQLite ``PRAGMA integrity_check`` = ok and no
   dangling foreign key (on PostgreSQL only the app is killed, never the database server, so
   the app-level invariants are what is checked); every acknowledged autosave, save and
   signature of every run so far is stored with the acknowledged content (or superseded by a
   later write to the same draft or note); no note is half-signed (signed <=> signed_at,
   signed_by and content_hash all set, and the seal verifies).

A violation is any failed check in a run. JSON lines on stdout: runs, violations (budget 0) and
their kinds; writes acknowledged and writes cut off by the kill (sent, never answered).

``python -m bench.crashtest [--db sqlite|postgres|both] [--runs 50]``; ``make crashtest``.
"""

import argparse
import json
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import emit, note
from bench.liveserver import (
    DEFAULT_PG_URL,
    Browser,
    Checker,
    RequestFailed,
    Server,
    Stats,
    engines_to_run,
    make_scratch,
    prepare,
    seed,
    sign_in,
)
from bench.workload import SimulatedTherapist

THERAPISTS = 6
WORKERS = 4
KILL_AFTER_WRITES = (1, 30)
KILL_JITTER_S = (0.0, 0.3)
THINK_SCALE = 0.05  # autosaves 0.1-0.25 s apart: many writes in flight at the kill


def run_crashes(
    engine: str,
    *,
    runs: int,
    therapists: int = THERAPISTS,
    workers: int = WORKERS,
    pg_url: str | None = None,
    seed_value: int = 0,
    keep: bool = False,
    static_root=None,
    shared=None,
) -> dict:
    """``runs`` kills on one database engine; returns the totals (and details of violations).
    ``shared``: (scratch, therapists) already migrated and seeded, left in place afterwards."""
    rng = random.Random(seed_value)
    scratch = shared[0] if shared else make_scratch(engine, "crash", pg_url, static_root)
    server = checker = None
    totals = {
        "runs": 0,
        "violations": 0,
        "lost_writes": 0,
        "half_signed": 0,
        "integrity_failures": 0,
        "restart_failures": 0,
        "acknowledged_writes": 0,
        "writes_cut_by_kill": 0,
    }
    details: list[str] = []
    try:
        if shared:
            people = shared[1][:therapists]
        else:
            note(f"[{engine}] scratch in {scratch.workdir}; migrating and seeding")
            prepare(scratch)
            people = seed(scratch, therapists=therapists, clients=3, sessions=3)
        server = Server(scratch, workers=workers)
        server.start()
        stats = Stats()
        browsers = [Browser(server.base_url, stats) for _ in people]
        for browser, person in zip(browsers, people, strict=True):
            sign_in(browser, person)
        sims = [
            SimulatedTherapist(
                person,
                server.base_url,
                stats,
                deadline=0,
                stop=threading.Event(),
                think_scale=THINK_SCALE,
                seed=index,
                browser=browser,
                writes_only=True,
            )
            for index, (person, browser) in enumerate(zip(people, browsers, strict=True))
        ]
        checker = Checker(scratch)
        ledger_path = scratch.workdir / "ledger.json"
        for run in range(1, runs + 1):
            before = [len(sim.ledger) for sim in sims]
            stop = threading.Event()
            for sim in sims:
                sim.stop, sim.deadline = stop, time.monotonic() + 60
                sim.browser.base_url = server.base_url
            threads = [threading.Thread(target=sim.run) for sim in sims]
            for thread in threads:
                thread.start()
            # Kill once a random number of writes of this run has been sent (so that the kill
            # lands in the middle of the write stream however slow the start is), plus a random
            # fraction of a second.
            target = rng.randint(*KILL_AFTER_WRITES)
            give_up = time.monotonic() + 60
            while _sent(sims, before) < target and time.monotonic() < give_up:
                time.sleep(0.01)
            time.sleep(rng.uniform(*KILL_JITTER_S))
            server.kill()
            stop.set()
            for thread in threads:
                thread.join()
            new_events = [
                e for sim, start in zip(sims, before, strict=True) for e in sim.ledger[start:]
            ]
            # Sent but never answered: the kill cut them off mid-request.
            cut = sum(1 for e in new_events if not e["acked"])
            totals["writes_cut_by_kill"] += cut

            server.start()
            for sim in sims:
                sim.browser.base_url = server.base_url
            restarted = _app_answers(sims[0].browser)
            ledger_path.write_text(json.dumps([sim.ledger for sim in sims]), encoding="utf-8")
            verdict = checker.check(ledger_path)
            problems = []
            if not restarted:
                totals["restart_failures"] += 1
                problems.append("the app did not answer a signed-in page after the restart")
            if verdict["integrity"] not in {"ok", "n/a"}:
                totals["integrity_failures"] += 1
                problems.append(f"integrity_check: {verdict['integrity']}")
            if verdict["lost"]:
                problems += verdict["lost_details"]
            if verdict["half_signed"]:
                problems += verdict["half_signed_details"]
            # The ledger is cumulative: count each lost write and half-signed note once.
            totals["lost_writes"] = max(totals["lost_writes"], verdict["lost"])
            totals["half_signed"] = max(totals["half_signed"], verdict["half_signed"])
            totals["runs"] = run
            if problems:
                totals["violations"] += 1
                details += [f"run {run}: {problem}" for problem in problems]
            note(
                f"[{engine}] run {run}/{runs}: {len(new_events)} writes sent, {cut} cut by the "
                f"kill; checked {verdict['checked']}; "
                + ("OK" if not problems else "VIOLATION: " + "; ".join(problems[:3]))
            )
        totals["acknowledged_writes"] = sum(1 for sim in sims for e in sim.ledger if e["acked"])
        totals["details"] = details[:20]
        return totals
    finally:
        if checker is not None:
            checker.close()
        if server is not None:
            server.stop()
        if not shared:
            scratch.destroy(keep=keep)


def _sent(sims, before: list[int]) -> int:
    return sum(len(sim.ledger) - start for sim, start in zip(sims, before, strict=True))


def _app_answers(browser: Browser) -> bool:
    try:
        return browser.get("/", category="restart").status == 200
    except RequestFailed:
        return False


def report(engine: str, totals: dict) -> None:
    bench = f"crashtest_{engine}"
    emit(bench, "runs", totals["runs"], "runs")
    emit(bench, "violations", totals["violations"], "runs", 0)
    emit(bench, "lost_writes", totals["lost_writes"], "writes", 0)
    emit(bench, "half_signed", totals["half_signed"], "notes", 0)
    emit(bench, "integrity_failures", totals["integrity_failures"], "runs", 0)
    emit(bench, "restart_failures", totals["restart_failures"], "runs", 0)
    emit(bench, "acknowledged_writes", totals["acknowledged_writes"], "writes")
    emit(bench, "writes_cut_by_kill", totals["writes_cut_by_kill"], "writes")
    if totals.get("details"):
        note(f"[{engine}] violations: {json.dumps(totals['details'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--therapists", type=int, default=THERAPISTS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--seed", type=int, default=0, help="random seed of the kill moments")
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
            totals = run_crashes(
                engine,
                runs=args.runs,
                therapists=args.therapists,
                workers=args.workers,
                pg_url=args.pg_url,
                seed_value=args.seed,
                keep=args.keep,
                static_root=static_root,
            )
            report(engine, totals)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
