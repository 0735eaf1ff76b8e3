"""Twenty simultaneous sign-ins (issue 17: p95 under 3 s, the worker's peak RSS under 400 MB).

Twenty therapists post the password step (the POST that checks the password; it answers with a
redirect to the code page) at the same instant, against gunicorn started with the deployment's
config/gunicorn.conf.py on a scratch SQLite database (bench.liveserver), in two shapes:

* ``workers``: 4 workers of 1 thread, the config's defaults on this 2-core machine;
* ``threaded``: 1 worker of 20 threads (GUNICORN_THREADS=20): every sign-in in one process,
  where the stock hasher reached 1-2 GB.

Each shape runs with the chosen hasher (config/settings.py, accounts/hashers.py, hashes made by
it), with Django's stock Argon2PasswordHasher (100 MiB, t=2, p=8) and hashes made by it
(``stock_``, no budget, measured in the same run for the ratio), and once with stock hashes
under the chosen hasher, i.e. the first sign-in after the upgrade, which verifies the old hash
and stores a new one (``upgrade_``; ``upgrade_old_hashes_left`` must be 0 after it).
``--variants chosen stock upgrade owasp19`` adds 19 MiB, t=2, p=1 (the other OWASP minimum).
Every run starts a new server and warms it (two refused password posts per worker at once),
times one sign-in alone (``signin_alone_ms``, the step's own cost), then the burst; the peak
RSS is the highest VmHWM of /proc/<pid>/status among its workers, read after the burst. The
1-minute load average goes with each run: other work on the two cores stretches every figure.

Run from the repository root: ``python -m bench.bench_signin`` (``--shapes``, ``--variants``).
JSON lines on stdout, notes on stderr.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.harness import emit, note, percentile
from bench.liveserver import (
    GUNICORN_CONF,
    ROOT,
    Browser,
    RequestFailed,
    Server,
    free_port,
    make_scratch,
    path_of,
    prepare,
)

BENCH = "signin"
SIGN_INS = 20
PASSWORD = "bench-signin-password-2026"  # noqa: S105 - scratch accounts in a temp database
P95_BUDGET_MS = 3000
PEAK_RSS_BUDGET_MB = 400
SHAPES = {"workers": (4, 1), "threaded": (1, SIGN_INS)}  # (workers, threads per worker)
VARIANTS = ("chosen", "stock", "upgrade")
# The hashes stored before a variant's run; the server runs the variant's hasher ("upgrade": the
# chosen one, over the stock hashes).
HASHES = {"chosen": "chosen", "stock": "stock", "upgrade": "stock", "owasp19": "owasp19"}
STOCK_HASHER = "django.contrib.auth.hashers.Argon2PasswordHasher"


# --- the server side: a WSGI application per hasher (gunicorn's app factory) --------------------
def application(variant: str = "chosen"):
    """config.wsgi's application, with the hasher of ``variant`` in place of the chosen one."""
    from django.conf import settings
    from django.contrib.auth import hashers

    from accounts.hashers import BoundedArgon2PasswordHasher
    from config.wsgi import application as wsgi_application

    if variant == "stock":
        settings.PASSWORD_HASHERS = [STOCK_HASHER, *settings.PASSWORD_HASHERS[1:]]
    elif variant == "owasp19":
        BoundedArgon2PasswordHasher.memory_cost, BoundedArgon2PasswordHasher.time_cost = 19456, 2
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()
    return wsgi_application


def _hasher(kind: str):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from accounts.hashers import BoundedArgon2PasswordHasher

    if kind == "stock":
        return Argon2PasswordHasher()
    hasher = BoundedArgon2PasswordHasher()
    if kind == "owasp19":
        hasher.memory_cost, hasher.time_cost = 19456, 2
    return hasher


def store_hashes(kind: str, count: int) -> None:
    """Child process (scratch environment): ``count`` therapists with a confirmed authenticator,
    their passwords stored as hashes made by ``kind``."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from accounts.models import Account
    from accounts.testing import totp_device

    hasher = _hasher(kind)
    for number in range(count + 1):  # signin-00 signs in alone first
        user, _ = get_user_model().objects.get_or_create(username=f"signin-{number:02d}")
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
        totp_device(user)
        Account.for_user(user)


def count_rehashed() -> None:
    """Child process: how many bench therapists' stored hashes have the chosen parameters."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    hasher = _hasher("chosen")
    stored = get_user_model().objects.filter(username__startswith="signin-")
    print(sum(not hasher.must_update(u.password) for u in stored.only("password")))


# --- the driver ---------------------------------------------------------------------------------
class SignInServer(Server):
    """bench.liveserver's gunicorn with the deployment config, running ``application(variant)``
    with ``threads`` threads per worker."""

    def __init__(self, scratch, *, workers: int, threads: int, variant: str):
        super().__init__(scratch, workers=workers, log_name=f"gunicorn-{variant}.log")
        self.threads, self.variant = threads, variant

    def start(self, ready_timeout: float = 90) -> None:
        self.port = free_port()
        env = {
            **self.scratch.env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
        }
        app = f"bench.bench_signin:application({self.variant!r})"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF, app],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not self._wait_ready(ready_timeout):
            self.kill()
            raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1_000_000
    raise RuntimeError(f"no VmHWM for {pid}")


def warm_up(base_url: str, workers: int) -> None:
    """A running server, not a restarted one: two password posts per worker at once (unknown
    usernames: refused, after the same hash), so that every worker has loaded the sign-in's
    code and Argon2 before anything is timed."""

    def refused_sign_in(number: int) -> None:
        browser = Browser(base_url)
        browser.get("/accounts/login/")
        form = {"username": f"warm-up-{number}", "password": PASSWORD}
        browser.post("/accounts/login/", form)

    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        list(pool.map(refused_sign_in, range(2 * workers)))


def sign_in_alone(base_url: str) -> float:
    """One password post with nothing else going on (ms): the cost of the step itself."""
    browser = Browser(base_url)
    browser.get("/accounts/login/")
    response = browser.post("/accounts/login/", {"username": "signin-00", "password": PASSWORD})
    if response.status != 302:
        raise RuntimeError(f"signin-00 was refused ({response.status})")
    return response.ms


def burst(base_url: str, count: int) -> tuple[list[float], int]:
    """``count`` password posts released at once; their times (ms) and how many were not sent
    on to the code page."""
    browsers = [Browser(base_url) for _ in range(count)]
    with ThreadPoolExecutor(max_workers=count) as pool:  # the CSRF cookie, as a browser has it
        list(pool.map(lambda browser: browser.get("/accounts/login/"), browsers))
    start = threading.Barrier(count)
    times: list[float] = []
    refused = []

    def sign_in(number: int, browser: Browser) -> None:
        form = {"username": f"signin-{number:02d}", "password": PASSWORD}
        start.wait()
        try:
            response = browser.post("/accounts/login/", form)
        except RequestFailed as error:
            refused.append(str(error))
            return
        times.append(response.ms)
        if response.status != 302 or not path_of(response.location).startswith("/accounts/2fa/"):
            refused.append(f"{response.status} {response.location}")

    threads = [
        threading.Thread(target=sign_in, args=(number, browser))
        for number, browser in enumerate(browsers, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for reason in refused[:3]:
        note(f"  refused: {reason}")
    return times, len(refused)


def run(scratch, shape: str, variant: str) -> dict:
    workers, threads = SHAPES[shape]
    scratch.python_module("bench.bench_signin", "store-hashes", HASHES[variant], str(SIGN_INS))
    server = SignInServer(scratch, workers=workers, threads=threads, variant=variant)
    server.start()
    try:
        warm_up(server.base_url, workers)
        alone = sign_in_alone(server.base_url)
        times, refused = burst(server.base_url, SIGN_INS)
        rss = max(peak_rss_mb(pid) for pid in server.worker_pids())
    finally:
        server.stop()
    figures = {
        "p50": percentile(times, 0.5) if times else 0.0,
        "p95": percentile(times, 0.95) if times else 0.0,
        "max": max(times, default=0.0),
        "rss": rss,
        "refused": refused,
        "alone": alone,
        "load": os.getloadavg()[0],
    }
    if variant == "upgrade":
        # Its point: every old hash that signed in is now stored with the new parameters.
        counted = scratch.python_module(
            "bench.bench_signin", "count-rehashed", capture_output=True, text=True
        )
        figures["rehashed"] = int(counted.stdout.strip())
    note(
        f"[{shape} {workers}x{threads}, {variant}] p50 {figures['p50']:.0f} ms, "
        f"p95 {figures['p95']:.0f} ms, slowest {figures['max']:.0f} ms, "
        f"worker peak RSS {rss:.0f} MB, refused {refused}; one sign-in alone {alone:.0f} ms; "
        f"load average {figures['load']:.1f}"
    )
    return figures


def report(shape: str, variant: str, figures: dict) -> None:
    prefix = ("threaded_" if shape == "threaded" else "") + (
        "" if variant == "chosen" else f"{variant}_"
    )
    chosen = variant == "chosen"
    emit(BENCH, f"{prefix}signin_p50_ms", figures["p50"], "ms")
    emit(BENCH, f"{prefix}signin_p95_ms", figures["p95"], "ms", P95_BUDGET_MS if chosen else None)
    emit(
        BENCH,
        f"{prefix}signin_peak_rss_mb",
        figures["rss"],
        "MB",
        PEAK_RSS_BUDGET_MB if chosen else None,
    )
    emit(BENCH, f"{prefix}signin_refused", figures["refused"], "sign-ins", 0 if chosen else None)
    emit(BENCH, f"{prefix}signin_alone_ms", figures["alone"], "ms")
    if variant == "upgrade":
        # signin-00 and the twenty of the burst must all be stored again with the chosen ones.
        left = SIGN_INS + 1 - figures["rehashed"]
        emit(BENCH, f"{prefix}old_hashes_left", left, "accounts", 0)
    # Latencies mean little if other work shares the two cores: the 1-minute load average.
    emit(BENCH, f"{prefix}load_average_1min", figures["load"], "processes")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["store-hashes"]:
        store_hashes(argv[1], int(argv[2]))
        return 0
    if argv[:1] == ["count-rehashed"]:
        count_rehashed()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=list(SHAPES))
    parser.add_argument("--variants", nargs="+", choices=sorted(HASHES), default=list(VARIANTS))
    args = parser.parse_args(argv)
    static_root = Path(tempfile.mkdtemp(prefix="therapy-notes-static-"))
    scratch = make_scratch("sqlite", "bench-signin", static_root=static_root)
    try:
        note(f"scratch in {scratch.workdir}; migrating")
        prepare(scratch)
        for shape in args.shapes:
            results = {variant: run(scratch, shape, variant) for variant in args.variants}
            for variant, figures in results.items():
                report(shape, variant, figures)
            if {"chosen", "stock"} <= results.keys() and results["chosen"]["p95"]:
                ratio = results["stock"]["p95"] / results["chosen"]["p95"]
                prefix = "threaded_" if shape == "threaded" else ""
                emit(BENCH, f"{prefix}stock_to_chosen_p95_ratio", ratio, "x")
    finally:
        scratch.destroy()
        shutil.rmtree(static_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
