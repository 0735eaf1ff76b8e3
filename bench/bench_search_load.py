"""Search under a group practice's load, through real gunicorn on PostgreSQL (issue 17).

Everything runs against gunicorn started with the deployment's config/gunicorn.conf.py
(bench.liveserver: production settings, test-only keys, a random loopback port) on one
PostgreSQL database: ``BENCH_DATABASE_URL`` if set (an empty database, migrated here and not
dropped), else a fresh database on 127.0.0.1:5432 (user postgres), dropped afterwards. Notes
are seeded with the demo's generator (``demo.generator.seed_bench_therapists``, which writes
through ``sessions.services.import_sessions``); every therapist signs in through the real two
steps (password, then a TOTP code), which starts the background warm-up of their index
(SEARCH_WARM_UP, on as deployed). Server times are the access log's ``%(M)s`` (ms).

1. **Round robin** (``search_`` figures): 30 therapists x 2,000 notes, 4 workers; all sign in,
   then search one after another, therapist 1..30, for CYCLES cycles (one request at a time,
   so each request's window in the server log is its own). A search is *warm* when no line
   "Search index of therapist <its id> built from" appeared in the log between the request
   being sent and its access line: a load from the sealed snapshot is not a build.
   ``search_warm_share`` (budget 0.95) and the server p50/p95 (budget 100 ms) count the
   searches after the first cycle; ``builds_total`` counts every build line in the server's
   log (sign-in warm-ups included; ideally one per therapist).
2. **Memory**: the sum over the 4 workers of VmRSS (and VmHWM) from /proc/<pid>/status after
   the cycles, at 30 x 2,000 (``workers_rss_total_mb``) and, on new therapists, 30 x 5,000
   (``workers_rss_total_mb_30x5000``, budget 1,024 MB), unless seeding them would take longer
   than LARGE_SEED_LIMIT_S at the rate measured for the first seeding (then said on stderr).
3. **Two app servers** (``two_servers_``): a second gunicorn (4 workers) on another port, same
   database; a new note is written through the note form of one server (GET the form, POST it
   with a unique word in the plan) and searched for through the other (alternating), once per
   therapist; the share found on that next query (budget 1.0) and the server p95 of those
   searches and of the writes. Each reading server has served the therapist once before.
4. **60,000 notes for one therapist**: signed in (its warm-up builds the index and seals the
   snapshot), then gunicorn restarted RESTARTS times: the first search after each restart,
   snapshot present (``cold_first_query_60k_from_snapshot_ms``, the median time until the
   results show, counting the "being prepared" answers and the page's own retries before
   them). Then the snapshot deleted and gunicorn restarted: 4 searches by that therapist at
   once (one per worker: a fresh build; each retried as the page does while it is "being
   prepared", until the results show), while another user loads the sign-in page and a
   signed-in therapist's dashboard in turn every 50 ms: ``other_user_worst_wait_ms`` (budget
   1,000) is the slowest of those requests that overlapped the 4 searches.

Without budgets, to explain the others: ``search_in_memory_share`` (neither a build nor a
snapshot load in the window), ``workers_hwm_total_mb``, the 30 x 5,000 round robin's own
``search_`` figures, ``warm_up_build_60k_ms`` (the build line of the sign-in's warm-up) and
``fresh_build_60k_first_searches_worst_ms``. On stderr: per cycle, the builds and loads, the
logged load times, which worker answered (the one whose ``wchar`` in /proc/<pid>/io grew most
during the request) and each worker's memory.

``python -m bench.bench_search_load`` (``--help`` for smaller sizes; ``--server-env NAME=VALUE``
to compare a setting, e.g. GUNICORN_THREADS=4). JSON lines on stdout, progress and the details
on stderr. About 5 minutes here.
"""

import argparse
import copy
import os
import re
import secrets
import shutil
import signal
import statistics
import string
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import emit, note, percentile
from bench.liveserver import (
    DEFAULT_PG_URL,
    Browser,
    Scratch,
    Server,
    engines_to_run,
    make_scratch,
    parse_form,
    path_of,
    prepare,
    sign_in,
)

BENCH = "search_load"
WORKERS = 4
THERAPISTS = 30
NOTES = 2_000
LARGE_NOTES = 5_000
BIG_NOTES = 60_000
SESSIONS_PER_CLIENT = 100
CYCLES = 5
LARGE_CYCLES = 5
RESTARTS = 3
WARM_SHARE_BUDGET = 0.95
SERVER_P95_BUDGET_MS = 100
RSS_BUDGET_MB = 1024
VISIBLE_BUDGET = 1.0
OTHER_USER_BUDGET_MS = 1000
LARGE_SEED_LIMIT_S = 600
QUERIES = ["sleep", "anxiety", "mother", "grief", "work sleep", "breathing", "anx*", "mother -work"]
ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms')
FOUND = re.compile(r"(\d+) sessions? found\.|No sessions found\.")
LOADED = re.compile(r"Search index of therapist (\d+) loaded from its snapshot .*? in (\d+) ms")
BUILT = re.compile(r"Search index of therapist (\d+) built from (\d+) sessions in (\d+) ms")


# --- the app side: child processes with the scratch environment --------------------------------
def snapshot_command(action: str, therapist_id: int) -> None:
    """``show``: the size of the therapist's sealed snapshot (MB) or "none"; ``discard``: delete
    it."""
    import django

    django.setup()
    from search import snapshot
    from search.models import SearchSnapshot

    if action == "discard":
        print(snapshot.discard(therapist_id))
        return
    sealed = (
        SearchSnapshot.objects.filter(therapist_id=therapist_id)
        .values_list("sealed", flat=True)
        .first()
    )
    print("none" if sealed is None else f"{len(sealed) / 2**20:.1f}")


def child(scratch: Scratch, *args: str) -> str:
    done = scratch.python_module("bench.bench_search_load", *args, capture_output=True, text=True)
    return done.stdout.strip()


def seed(scratch: Scratch, therapists: int, notes: int) -> tuple[list[dict], float]:
    """The new therapists up to number ``therapists``, ``notes`` each; and the seconds taken."""
    import json

    out = scratch.workdir / f"people-{secrets.token_hex(3)}.json"
    clients = max(1, notes // SESSIONS_PER_CLIENT)
    started = time.monotonic()
    scratch.python_module(  # bench.appside's seeding, as the load and crash tests do
        "bench.appside",
        "seed",
        str(out),
        str(therapists),
        str(clients),
        str(min(notes, SESSIONS_PER_CLIENT)),
        stdout=sys.stderr,  # stdout carries only the JSON figures
    )
    return json.loads(out.read_text(encoding="utf-8")), time.monotonic() - started


# --- the server's log and its workers -----------------------------------------------------------
class Log:
    """The server's log file (access lines on stdout, the search.index lines on stderr), read by
    byte offsets: what one request window wrote."""

    def __init__(self, server: Server):
        self.path = server.log_path

    def mark(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, offset: int) -> str:
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", errors="replace")

    def access_after(self, offset: int, method: str, path: str, timeout: float = 10) -> tuple:
        """(server ms, the log's text from ``offset`` to the end of that access line) for the
        first ``method path`` request logged after ``offset`` (gunicorn writes the line just
        after the answer: wait for it)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.since(offset)
            for match in ACCESS.finditer(text):
                if match["method"] == method and match["path"] == path:
                    return int(match["ms"]), text[: match.end()]
            if time.monotonic() > deadline:
                raise RuntimeError(f"no access line for {method} {path} in {self.path}")
            time.sleep(0.01)


def written_bytes(pids: list[int]) -> dict[int, int]:
    """{pid: bytes written so far} (``wchar`` of /proc/<pid>/io, sockets included)."""
    figures = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/io").read_text().splitlines():
                if line.startswith("wchar:"):
                    figures[pid] = int(line.split()[1])
        except OSError:  # a worker restarted
            figures[pid] = 0
    return figures


def worker_memory_mb(server: Server) -> dict[int, tuple[float, float]]:
    """{worker pid: (VmRSS, VmHWM, Pss) in MB} for the server's current workers. RSS counts the
    pages a worker shares with the master (preload_app) in full in every worker; Pss divides
    them among the processes sharing them."""
    figures = {}
    for worker in server.worker_pids():
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{worker}/status").read_text().splitlines()
        )
        rollup = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{worker}/smaps_rollup").read_text().splitlines()[1:]
        )
        figures[worker] = tuple(
            int(values[key].split()[0]) * 1024 / 1_000_000
            for values, key in ((status, "VmRSS"), (status, "VmHWM"), (rollup, "Pss"))
        )
    return figures


# --- one search, timed and classified ------------------------------------------------------------
@dataclass
class Search:
    therapist: int
    cycle: int
    client_ms: float
    server_ms: int
    found: int
    built: bool  # a build of this therapist's index logged in the request's window
    loaded_ms: int | None  # a snapshot load of it logged in the window (its time)
    worker: int | None  # the worker that wrote the most meanwhile: the one that answered
    preparing: int = 0  # "being prepared" answers before the results (each retried as the page)


PREPARING = re.compile(r'id="search-preparing"[^>]*?data-search-retry-after="(\d+)"', re.S)
PREPARING_LIMIT_S = 300


def post_search(browser: Browser, query: str) -> tuple:
    """The search as the page does it: while the answer is "being prepared", post it again
    after the seconds the page says (search_retry.js), with its try number. The response with
    the results, the "being prepared" answers before it and the whole time to the results."""
    started, tries = time.monotonic(), 0
    while True:
        form = {"q": query, **({"retry": str(tries)} if tries else {})}
        response = browser.post("/search/", form)
        waiting = PREPARING.search(response.text) if response.status == 200 else None
        if waiting is None:
            return response, tries, (time.monotonic() - started) * 1000
        if time.monotonic() - started > PREPARING_LIMIT_S:
            raise RuntimeError(f"the search was still being prepared after {PREPARING_LIMIT_S} s")
        tries += 1
        time.sleep(int(waiting.group(1)))


def search_once(
    browser: Browser, log: Log, person: dict, query: str, cycle: int = 0, pids=()
) -> Search:
    offset = log.mark()
    written = written_bytes(pids)
    response, tries, total_ms = post_search(browser, query)
    if response.status != 200:
        raise RuntimeError(f"search answered {response.status} for {person['username']}")
    found = FOUND.search(response.text)
    if found is None:
        raise RuntimeError("the search page shows no result count")
    server_ms, window = log.access_after(offset, "POST", "/search/")
    after = written_bytes(pids)
    worker = max(pids, key=lambda pid: after[pid] - written[pid]) if pids else None
    own = str(person["id"])
    loads = [int(ms) for who, ms in LOADED.findall(window) if who == own]
    return Search(
        therapist=person["id"],
        cycle=cycle,
        client_ms=total_ms,
        server_ms=server_ms,
        found=int(found.group(1) or 0),
        built=any(match[0] == own for match in BUILT.findall(window)),
        loaded_ms=loads[0] if loads else None,
        worker=worker,
        preparing=tries,
    )


def signed_in(server: Server, people: list[dict]) -> list[Browser]:
    browsers = []
    for person in people:
        browser = Browser(server.base_url)
        sign_in(browser, person)
        browsers.append(browser)
    return browsers


def step(began: float, message: str) -> None:
    note(f"{time.monotonic() - began:6.1f} s: {message}")


# --- 1 and 2: round robin, then memory -----------------------------------------------------------
def round_robin(server: Server, people: list[dict], cycles: int, began: float) -> dict:
    log = Log(server)
    start = log.mark()
    browsers = signed_in(server, people)
    step(began, f"{len(people)} therapists signed in; {cycles} cycles of searches")
    searches = []
    pids = server.worker_pids()
    for cycle in range(cycles):
        for index, (person, browser) in enumerate(zip(people, browsers, strict=True)):
            query = QUERIES[(cycle * len(people) + index) % len(QUERIES)]
            searches.append(search_once(browser, log, person, query, cycle, pids))
        later = [s for s in searches if s.cycle == cycle]
        step(
            began,
            f"cycle {cycle + 1}: {sum(s.built for s in later)} built, "
            f"{sum(s.loaded_ms is not None for s in later)} loaded from the snapshot, server p50 "
            f"{statistics.median(s.server_ms for s in later):.0f} ms, max "
            f"{max(s.server_ms for s in later)} ms",
        )
    text = log.since(start)
    memory = worker_memory_mb(server)
    return {
        "searches": searches,
        "builds": BUILT.findall(text),
        "loads": LOADED.findall(text),
        "memory": memory,
        "browsers": browsers,
    }


def report_round_robin(result: dict, suffix: str, with_budgets: bool) -> None:
    after = [s for s in result["searches"] if s.cycle > 0]
    times = [s.server_ms for s in after]
    warm = sum(not s.built and not s.preparing for s in after) / len(after)
    in_memory = sum(not s.built and s.loaded_ms is None for s in after) / len(after)
    emit(
        BENCH,
        f"search_warm_share{suffix}",
        warm,
        "share",
        WARM_SHARE_BUDGET if with_budgets else None,
    )
    emit(BENCH, f"search_in_memory_share{suffix}", in_memory, "share")
    emit(
        BENCH,
        f"search_server_p95_ms{suffix}",
        percentile(times, 0.95),
        "ms",
        SERVER_P95_BUDGET_MS if with_budgets else None,
    )
    emit(BENCH, f"search_server_p50_ms{suffix}", percentile(times, 0.5), "ms")
    emit(BENCH, f"builds_total{suffix}", len(result["builds"]), "builds")
    memory = result["memory"]
    rss = sum(r for r, _, _ in memory.values())
    emit(
        BENCH,
        f"workers_rss_total_mb{suffix}",
        rss,
        "MB",
        RSS_BUDGET_MB if suffix == "_30x5000" else None,
    )
    emit(BENCH, f"workers_hwm_total_mb{suffix}", sum(h for _, h, _ in memory.values()), "MB")
    emit(BENCH, f"workers_pss_total_mb{suffix}", sum(p for _, _, p in memory.values()), "MB")
    first = [s for s in result["searches"] if s.cycle == 0]
    loads_in_requests = [s.loaded_ms for s in after if s.loaded_ms is not None]
    slowest = sorted(after, key=lambda s: -s.server_ms)[:5]
    note(
        f"round robin{suffix}: {len(after)} searches after the first cycle, {len(first)} in it "
        f"(first cycle: {sum(s.built for s in first)} built in the request, "
        f"{sum(s.loaded_ms is not None for s in first)} loaded, server p50 "
        f"{percentile([s.server_ms for s in first], 0.5)} ms, max "
        f"{max(s.server_ms for s in first)} ms). After it: warm (no build of the searcher's "
        f"index logged in the request's window) {warm:.3f}; in memory (no snapshot load "
        f"either) {in_memory:.3f}; {len(loads_in_requests)} snapshot loads inside searches "
        f"(logged load times, ms: {sorted(loads_in_requests)}); client p50 "
        f"{percentile([s.client_ms for s in after], 0.5):.0f} ms. Slowest (therapist, cycle, "
        f"server ms, built, loaded ms): "
        f"{[(s.therapist, s.cycle, s.server_ms, s.built, s.loaded_ms) for s in slowest]}"
    )
    builds = result["builds"]
    note(
        f"  builds logged: {len(builds)} for {len({b[0] for b in builds})} therapists, "
        f"ms: {sorted(int(b[2]) for b in builds)}; snapshot loads logged in all: "
        f"{len(result['loads'])} (sign-in warm-ups included)"
    )
    served = {pid: sum(s.worker == pid for s in after) for pid in memory}
    spread = [
        len({s.worker for s in result["searches"] if s.therapist == t})
        for t in {s.therapist for s in after}
    ]
    note(
        f"  searches after the first cycle per worker (the one whose written bytes, sockets "
        f"included, grew most during the request): {served}; workers that served each "
        f"therapist over all cycles: {sorted(spread)}"
    )
    note(
        "  workers (pid: VmRSS, VmHWM, Pss MB): "
        + ", ".join(
            f"{pid}: {r:.0f}, {h:.0f}, {p:.0f}" for pid, (r, h, p) in sorted(memory.items())
        )
    )


# --- 3: two app servers ---------------------------------------------------------------------------
def marker_word() -> str:
    return "zq" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def write_note(browser: Browser, log: Log, person: dict, word: str) -> int:
    """A new note through the note form, its plan holding ``word``; the save's server ms."""
    path = f"/clients/{person['clients'][0]}/sessions/new/"
    page = browser.get(path)
    if page.status != 200:
        raise RuntimeError(f"the note form answered {page.status}")
    form = parse_form(page.text, form_id="session-form")
    content = {
        "mood_affect": "settled",
        "section_subjective": "Spoke about the week.",
        "plan": f"Follow up on {word} next time.",
        "risk_level": "low",
        "note_format": "soap",
    }
    fields = [(name, value) for name, value in form.fields if name not in content]
    offset = log.mark()
    response = browser.post(path, fields + list(content.items()))
    if response.status != 302 or not path_of(response.location).startswith("/sessions/"):
        raise RuntimeError(f"saving the note answered {response.status} {response.location}")
    return log.access_after(offset, "POST", path)[0]


def two_servers(scratch, first: Server, people, browsers, began: float) -> dict:
    second = Server(scratch, workers=WORKERS, log_name="gunicorn-second.log")
    second.start()
    step(began, f"second gunicorn ({WORKERS} workers) on {second.base_url}")
    try:
        servers = [(first, Log(first)), (second, Log(second))]
        on_second = []
        for browser in browsers:
            other = copy.copy(browser)  # the same cookies (one sign-in), the other address
            other.base_url = second.base_url
            on_second.append(other)
        for person, browser in zip(people, on_second, strict=True):
            search_once(browser, servers[1][1], person, "sleep")  # served there once before
        visible, searched, written, loaded = 0, [], [], 0
        for index, person in enumerate(people):
            writer, reader = (0, 1) if index % 2 == 0 else (1, 0)
            pair = (browsers[index], on_second[index])
            word = marker_word()
            written.append(write_note(pair[writer], servers[writer][1], person, word))
            found = search_once(pair[reader], servers[reader][1], person, word)
            visible += found.found == 1
            loaded += found.loaded_ms is not None
            searched.append(found.server_ms)
    finally:
        second.stop()
    note(
        f"two servers: {len(people)} pairs (new note through one server's form, then a search "
        f"for its word through the other; even pairs write on the first server): found on the "
        f"next query {visible}/{len(people)}; search server ms {sorted(searched)}; "
        f"{loaded} of those searches loaded the snapshot; save server ms {sorted(written)}"
    )
    return {"visible": visible / len(people), "search": searched, "write": written}


# --- 4: one therapist with 60,000 notes -----------------------------------------------------------
def wait_for_build(log: Log, offset: int, therapist_id: int, timeout: float = 240) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for who, _sessions, ms in BUILT.findall(log.since(offset)):
            if who == str(therapist_id):
                return int(ms)
        time.sleep(0.2)
    raise RuntimeError(f"the index of therapist {therapist_id} was not built in {timeout} s")


def restart(server: Server, browsers: list[Browser]) -> None:
    server.stop()
    server.start()
    for browser in browsers:
        browser.base_url = server.base_url  # a new port; the sessions live in the database


def big_caseload(scratch, server: Server, big: dict, other: dict, began: float) -> dict:
    log = Log(server)
    offset = log.mark()
    big_browser, other_browser = signed_in(server, [big, other])
    warm_up_ms = wait_for_build(log, offset, big["id"])
    search_once(big_browser, log, big, "sleep")  # after the warm-up's build: sealed and saved
    step(
        began,
        f"{big['username']}'s warm-up built its index in {warm_up_ms} ms; snapshot "
        f"{child(scratch, 'snapshot', 'show', str(big['id']))} MB",
    )
    anonymous = Browser(server.base_url)
    browsers = [big_browser, other_browser, anonymous]
    colds = []
    for _ in range(RESTARTS):
        restart(server, browsers)
        found = search_once(big_browser, log, big, "sleep")
        if found.built or found.loaded_ms is None:
            note(f"  (that first search built={found.built}, loaded={found.loaded_ms})")
        colds.append(found)
    step(
        began,
        "first search after a restart, snapshot present (server ms, client ms, logged load ms): "
        f"{[(s.server_ms, round(s.client_ms), s.loaded_ms) for s in colds]}",
    )
    child(scratch, "snapshot", "discard", str(big["id"]))
    restart(server, browsers)
    offset = log.mark()
    waits = []  # (start, end, path, status)
    stop = threading.Event()

    def other_user() -> None:
        turn = 0
        while not stop.is_set():
            browser, path = (anonymous, "/accounts/login/") if turn % 2 else (other_browser, "/")
            started = time.monotonic()
            response = browser.get(path)
            waits.append((started, time.monotonic(), path, response.status))
            turn += 1
            stop.wait(0.05)

    loop = threading.Thread(target=other_user)
    loop.start()
    time.sleep(2)  # the other user's requests before, for comparison
    results: list = []

    def big_search() -> None:
        # Until the results show, as the page retries by itself while the index is prepared.
        response, tries, total_ms = post_search(big_browser, "sleep")
        results.append((response.status, total_ms))
        preparing_answers.append(tries)

    preparing_answers: list[int] = []

    searches = [threading.Thread(target=big_search) for _ in range(WORKERS)]
    window_start = time.monotonic()
    for thread in searches:
        thread.start()
    for thread in searches:
        thread.join()
    window_end = time.monotonic()
    time.sleep(1)
    stop.set()
    loop.join()
    text = log.since(offset)
    overlapping = [w for w in waits if w[1] >= window_start and w[0] <= window_end]
    before = [w for w in waits if w[1] < window_start]
    builds = [int(ms) for who, _s, ms in BUILT.findall(text) if who == str(big["id"])]
    loads = [int(ms) for who, ms in LOADED.findall(text) if who == str(big["id"])]
    server_ms = [int(m["ms"]) for m in ACCESS.finditer(text) if m["path"] == "/search/"]
    note(
        f"  fresh build: {WORKERS} searches at once, client ms "
        f"{sorted(round(ms) for _, ms in results)}, statuses {sorted(s for s, _ in results)}, "
        f'server ms {sorted(server_ms)}; "being prepared" answers before the results '
        f"{sorted(preparing_answers)}; builds logged {builds} ms, snapshot loads {loads} ms. "
        f"The other user meanwhile: {len(overlapping)} requests overlapping them, ms "
        f"{[(p, round((e - s) * 1000)) for s, e, p, _ in overlapping]}; before them, worst "
        f"{max((round((e - s) * 1000) for s, e, _, _ in before), default=0)} ms"
    )
    return {
        "warm_up_ms": warm_up_ms,
        "colds": colds,
        "fresh_worst_ms": max(ms for _, ms in results),
        "build_ms": builds,
        "other_worst_ms": max(((e - s) * 1000 for s, e, _, _ in overlapping), default=0.0),
    }


# --- the run --------------------------------------------------------------------------------------
def make_database(args) -> Scratch:
    static_root = Path(tempfile.mkdtemp(prefix="therapy-notes-static-"))
    given = os.environ.get("BENCH_DATABASE_URL")
    if not given:
        return make_scratch("postgres", "searchload", args.pg_url, static_root)
    if not given.startswith(("postgres://", "postgresql://")):
        raise SystemExit("BENCH_DATABASE_URL must name a PostgreSQL database for this bench")
    scratch = make_scratch("sqlite", "searchload", static_root=static_root)
    scratch.engine, scratch.database_url = "postgres", given
    scratch.env["DATABASE_URL"] = given
    return scratch


def run(args, scratch: Scratch, began: float) -> None:
    step(began, f"scratch in {scratch.workdir}; migrating")
    prepare(scratch)
    people, seconds = seed(scratch, args.therapists, args.notes)
    rate = len(people) * args.notes / seconds
    step(began, f"seeded {len(people)} therapists x {args.notes:,} notes in {seconds:.0f} s")
    server = Server(scratch, workers=WORKERS, log_name="gunicorn.log")
    server.start()
    try:
        step(began, f"gunicorn ({WORKERS} workers) on {server.base_url}")
        result = round_robin(server, people, args.cycles, began)
        report_round_robin(result, "", with_budgets=True)

        if args.pairs:
            pairs = people[: args.pairs]
            shared = two_servers(scratch, server, pairs, result["browsers"][: args.pairs], began)
            emit(
                BENCH, "two_servers_write_visible_share", shared["visible"], "share", VISIBLE_BUDGET
            )
            emit(BENCH, "two_servers_search_p95_ms", percentile(shared["search"], 0.95), "ms")
            emit(BENCH, "two_servers_write_p95_ms", percentile(shared["write"], 0.95), "ms")

        if args.big_notes:
            server.stop()
            total = args.therapists + 1
            (big,), seconds = seed(scratch, total, args.big_notes)
            step(
                began, f"seeded {big['username']} with {args.big_notes:,} notes in {seconds:.0f} s"
            )
            server.start()
            figures = big_caseload(scratch, server, big, people[0], began)
            # Until the results show ("being prepared" answers and the page's retries included).
            colds = [s.client_ms for s in figures["colds"]]
            size = f"{args.big_notes // 1000}k"
            emit(BENCH, f"cold_first_query_{size}_from_snapshot_ms", statistics.median(colds), "ms")
            emit(
                BENCH,
                f"cold_first_query_{size}_preparing_answers",
                statistics.median(s.preparing for s in figures["colds"]),
                "answers",
            )
            emit(BENCH, f"warm_up_build_{size}_ms", figures["warm_up_ms"], "ms")
            emit(
                BENCH,
                f"fresh_build_{size}_first_searches_worst_ms",
                figures["fresh_worst_ms"],
                "ms",
            )
            emit(
                BENCH,
                "other_user_worst_wait_ms",
                figures["other_worst_ms"],
                "ms",
                OTHER_USER_BUDGET_MS,
            )

        if args.large_notes:
            estimate = args.therapists * args.large_notes / rate
            if estimate > LARGE_SEED_LIMIT_S:
                note(
                    f"{args.therapists} x {args.large_notes:,} not measured: seeding would take "
                    f"about {estimate:.0f} s at the first seeding's rate"
                )
                return
            server.stop()
            total = args.therapists * 2 + (1 if args.big_notes else 0)
            large, seconds = seed(scratch, total, args.large_notes)
            step(
                began,
                f"seeded {len(large)} more therapists x {args.large_notes:,} notes in "
                f"{seconds:.0f} s; gunicorn restarted",
            )
            server.start()
            result = round_robin(server, large, args.large_cycles, began)
            suffix = f"_{len(large)}x{args.large_notes}"
            report_round_robin(result, suffix, with_budgets=False)
    finally:
        server.stop()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["snapshot"]:
        snapshot_command(argv[1], int(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=THERAPISTS)
    parser.add_argument("--notes", type=int, default=NOTES, help="per therapist")
    parser.add_argument("--cycles", type=int, default=CYCLES)
    parser.add_argument("--pairs", type=int, default=20, help="two-server write/search pairs")
    parser.add_argument("--big-notes", type=int, default=BIG_NOTES, help="0 to skip part 4")
    parser.add_argument("--large-notes", type=int, default=LARGE_NOTES, help="0 to skip")
    parser.add_argument("--large-cycles", type=int, default=LARGE_CYCLES)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="for CREATE/DROP DATABASE")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs)")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for gunicorn (to compare, e.g. SEARCH_INDEX_MEMORY_MB=128)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    note(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if not os.environ.get("BENCH_DATABASE_URL") and "postgres" not in engines_to_run(
        "both", args.pg_url
    ):
        return 0  # said on stderr: this bench needs PostgreSQL
    scratch = make_database(args)
    scratch.env.update(item.split("=", 1) for item in args.server_env)
    if args.server_env:
        note(f"gunicorn's environment adds {args.server_env}")
    try:
        run(args, scratch, began)
    finally:
        static_root = Path(scratch.env["DJANGO_STATIC_ROOT"])
        scratch.destroy(keep=args.keep)
        shutil.rmtree(static_root, ignore_errors=True)
    emit(BENCH, "load_average_1min", os.getloadavg()[0], "processes")
    note(f"total {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
