"""Crash test: kill the server (SIGKILL, the whole gunicorn process group) at a random moment
while therapists autosave, save and sign; restart it; check nothing acknowledged was lost and
nothing is half-done (issue 8).

One scratch database (SQLite file, or a fresh PostgreSQL database ``crash_<pid>_<random>``),
seeded once; six therapists signed in once through the real two steps (their sessions survive
restarts, as a browser's would). Each run:

1. start gunicorn (the deployment's config/gunicorn.conf.py, 4 workers, random loopback port);
2. every therapist writes notes quickly: autosaves a fraction of a second apart, saves,
   edits, signs (``bench.workload`` with short think times), every write entered in a ledger;
3. once a random number (1-30) of writes of this run has been sent, plus 0-0.3 s, and then as
   soon as a write is in flight (within a second), SIGKILL the process group (arbiter and
   workers, mid-request);
4. restart gunicorn; the app must answer a signed-in page again;
5. check the database (``bench.appside``): SQLite ``PRAGMA integrity_check`` = ok and no
   dangling foreign key (on PostgreSQL only the app is killed, never the database server, so
   the app-level invariants are what is checked); every acknowledged autosave, save and
   signature of every run so far is stored with the acknowledged content (or superseded by a
   later write to the same draft or note); no note is half-signed (signed <=> signed_at,
   signed_by and content_hash all set, and the seal verifies); the audit log's chain is whole;
6. read this run's acknowledged notes back over HTTP (``bench.liveserver.read_back``): each
   page answers 200 with the acknowledged text, and a signature acknowledged shows as signed.

Two app servers (``--servers 2``, after the one-server runs by default; PostgreSQL only): two
gunicorns (4 workers each) on two ports sharing the database, every therapist's requests
alternating between them one by one (a form from one, its autosave and save to the other, the
signature to either). The kills take turns: all of server 1 (arbiter and workers), all of
server 2, then every worker of each at once (SIGKILL; the arbiters start new ones). Before a killed
server is restarted, this run's acknowledged notes are read back through the server still up
(the other one), and the database is checked; then the killed server is restarted, and both
must answer a signed-in page.

A violation is any failed check in a run, the audit log's HMAC chain included (whole, and still
holding the head seen at the previous check). JSON lines on stdout (``crashtest_<db>`` and
``crashtest_postgres_two_servers``): runs, violations (budget 0) and their kinds; 5xx answers
(budget 0); writes acknowledged and writes cut off by the kill (sent, never answered); the wall
time and the load average.

``python -m bench.crashtest [--db sqlite|postgres|both] [--servers 1|2|both] [--runs 20]``;
``make crashtest``.
"""

import argparse
import json
import os
import random
import sys
import threading
import time

from bench.harness import emit, note
from bench.liveserver import (
    Browser,
    Checker,
    RequestFailed,
    Server,
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

THERAPISTS = 6
WORKERS = 4
KILL_AFTER_WRITES = (1, 30)
KILL_JITTER_S = (0.0, 0.3)
THINK_SCALE = 0.05  # autosaves 0.1-0.25 s apart: many writes in flight at the kill
# Per mode: SQLite, PostgreSQL, two servers on PostgreSQL (about 7 minutes for the three here).
RUNS = 20


def run_crashes(
    engine: str,
    *,
    runs: int,
    therapists: int = THERAPISTS,
    workers: int = WORKERS,
    servers: int = 1,
    pg_url: str | None = None,
    seed_value: int = 0,
    keep: bool = False,
    static_root=None,
    shared=None,
) -> dict:
    """``runs`` kills on one database engine, through ``servers`` gunicorns sharing it; returns
    the totals (and details of violations). ``shared``: (scratch, therapists) already migrated
    and seeded, left in place afterwards."""
    rng = random.Random(seed_value)
    scratch = shared[0] if shared else make_scratch(engine, "crash", pg_url, static_root)
    mode = mode_name(engine, servers)
    began = time.monotonic()
    running: list[Server] = []
    checker = None
    totals = {
        "runs": 0,
        "violations": 0,
        "lost_writes": 0,
        "half_signed": 0,
        "integrity_failures": 0,
        "restart_failures": 0,
        "readback_failures": 0,
        "readback_pages": 0,
        "acknowledged_writes": 0,
        "writes_cut_by_kill": 0,
        "errors_5xx": 0,
        "server_5xx": 0,
    }
    details: list[str] = []
    try:
        if shared:
            people = shared[1][:therapists]
        else:
            note(f"[{mode}] scratch in {scratch.workdir}; migrating and seeding")
            prepare(scratch)
            people = seed(scratch, therapists=therapists, clients=3, sessions=3)
        running = start_servers(scratch, servers, workers)
        stats = Stats()
        browsers = [Browser(running[0].base_url, stats) for _ in people]
        spread(browsers, running)
        for browser, person in zip(browsers, people, strict=True):
            sign_in(browser, person)
        sims = [
            SimulatedTherapist(
                person,
                running[0].base_url,
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
            spread(browsers, running)
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
            # Then at the next moment a write is on its way (sent, not answered yet), if one
            # comes within a second: between requests a kill would cut nothing.
            in_flight = time.monotonic() + 1
            while not _writing(sims, before) and time.monotonic() < in_flight:
                time.sleep(0.002)
            killed, what = _kill(running, run)
            stop.set()
            for thread in threads:
                thread.join()
            new_events = [
                e for sim, start in zip(sims, before, strict=True) for e in sim.ledger[start:]
            ]
            # Sent but never answered: the kill cut them off mid-request.
            cut = sum(1 for e in new_events if not e["acked"])
            totals["writes_cut_by_kill"] += cut
            this_run = [
                (sim.browser, sim.ledger[start:]) for sim, start in zip(sims, before, strict=True)
            ]
            problems = []
            survivors = [server for server in running if server not in killed]
            if survivors:
                # Before the killed server is back: what it acknowledged, through the other.
                problems += _read_back(this_run, survivors, totals)
            restart_began = time.monotonic()
            for server in killed:
                server.start()
            restart_s = time.monotonic() - restart_began
            problems += _read_back(this_run, killed, totals)
            restarted = all(_app_answers(browsers[0], server) for server in running)
            ledger_path.write_text(json.dumps([sim.ledger for sim in sims]), encoding="utf-8")
            check_began = time.monotonic()
            verdict = checker.check(ledger_path)
            check_s = time.monotonic() - check_began
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
                f"[{mode}] run {run}/{runs}: killed {what}; {len(new_events)} writes sent, {cut} "
                f"cut by the kill; restart {restart_s:.1f} s, check {check_s:.1f} s of "
                f"{verdict['checked']}; "
                + ("OK" if not problems else "VIOLATION: " + "; ".join(problems[:3]))
            )
        totals["acknowledged_writes"] = sum(1 for sim in sims for e in sim.ledger if e["acked"])
        totals["errors_5xx"] = sum(1 for _, status, _ in stats.samples if status >= 500)
        totals["server_5xx"] = sum(
            1 for server in running for status in server.logged_statuses() if status >= 500
        )
        totals["details"] = details[:20]
        return totals
    finally:
        if checker is not None:
            checker.close()
        for server in running:
            server.stop()
        totals["wall_time_s"] = time.monotonic() - began
        totals["load_average"] = os.getloadavg()[0]
        if not shared:
            scratch.destroy(keep=keep)


def _kill(running: list[Server], run: int) -> tuple[list[Server], str]:
    """SIGKILL mid-write: with one server, all of it; with two, in turn all of server 1, all of
    server 2, then every worker of each (the arbiters stay up and start new workers: every
    request in progress is cut, on both servers at once). Returns the servers killed whole,
    and what was killed."""
    if len(running) == 1:
        running[0].kill()
        return running[:], "the server"
    turn = (run - 1) % (len(running) + 1)
    if turn < len(running):
        running[turn].kill()
        return [running[turn]], f"server {turn + 1}"
    for server in running:
        for pid in server.worker_pids():
            server.kill_worker(pid)
    return [], "every worker of each server"


def _read_back(therapists, servers: list[Server], totals: dict) -> list[str]:
    back = read_back(therapists, [server.base_url for server in servers])
    totals["readback_pages"] += back["pages"]
    failed = len(back["failures"]) + back["errors_5xx"]
    totals["readback_failures"] += failed
    if back["errors_5xx"]:
        return [*back["failures"], f"{back['errors_5xx']} read-back pages answered 5xx"]
    return back["failures"]


def _writing(sims, before: list[int]) -> bool:
    """A therapist's newest write of this run is not answered yet (the ledger entry is made
    before the request is sent, and marked acknowledged on the answer)."""
    return any(
        len(sim.ledger) > start and not sim.ledger[-1]["acked"]
        for sim, start in zip(sims, before, strict=True)
    )


def _sent(sims, before: list[int]) -> int:
    return sum(len(sim.ledger) - start for sim, start in zip(sims, before, strict=True))


def _app_answers(browser: Browser, server: Server) -> bool:
    try:
        return browser.pinned(server.base_url).get("/", category="restart").status == 200
    except RequestFailed:
        return False


def report(mode: str, totals: dict) -> None:
    bench = f"crashtest_{mode}"
    emit(bench, "runs", totals["runs"], "runs")
    emit(bench, "violations", totals["violations"], "runs", 0)
    emit(bench, "lost_writes", totals["lost_writes"], "writes", 0)
    emit(bench, "half_signed", totals["half_signed"], "notes", 0)
    emit(bench, "integrity_failures", totals["integrity_failures"], "runs", 0)
    emit(bench, "restart_failures", totals["restart_failures"], "runs", 0)
    emit(bench, "errors_5xx", totals["errors_5xx"], "responses", 0)
    emit(bench, "server_5xx_logged", totals["server_5xx"], "responses", 0)
    emit(bench, "readback_pages", totals["readback_pages"], "pages")
    emit(bench, "readback_failures", totals["readback_failures"], "pages", 0)
    emit(bench, "acknowledged_writes", totals["acknowledged_writes"], "writes")
    emit(bench, "writes_cut_by_kill", totals["writes_cut_by_kill"], "writes")
    emit(bench, "wall_time_s", totals["wall_time_s"], "s")
    emit(bench, "load_average_1min", totals["load_average"], "processes")
    if totals.get("details"):
        note(f"[{mode}] violations: {json.dumps(totals['details'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_arguments(parser)
    parser.add_argument("--runs", type=int, default=RUNS, help="per mode")
    parser.add_argument("--therapists", type=int, default=THERAPISTS)
    parser.add_argument("--seed", type=int, default=0, help="random seed of the kill moments")
    args = parser.parse_args(argv)

    for_each_mode(
        args, run_crashes, report, runs=args.runs, therapists=args.therapists, seed_value=args.seed
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
