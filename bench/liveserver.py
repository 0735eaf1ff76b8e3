"""A real server for load and crash tests: a scratch database, test-only keys, gunicorn on a
random loopback port, and a small HTTP "browser" (urllib, one cookie jar per therapist).

Nothing here imports Django settings: the driver process stays free of any Django set-up, so
that it can run inside the test suite (whose Django is configured for tests). Everything that
needs the app (migrate, seeding, reading the database back) runs in a child process with the
scratch environment.
"""

import contextlib
import copy
import html
import html.parser
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REQUEST_TIMEOUT_S = 60
ACCESS_LINE = re.compile(r'" (\d{3}) \S+ \d+ms$', re.MULTILINE)
ID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
GUNICORN_CONF = str(ROOT / "config" / "gunicorn.conf.py")


# --- scratch database and environment ----------------------------------------------------------
@dataclass
class Scratch:
    """A temporary directory with keys, logs and (on SQLite) the database file."""

    workdir: Path
    engine: str  # "sqlite" or "postgres"
    database_url: str
    env: dict
    pg_admin_url: str | None = None
    pg_name: str | None = None

    @property
    def sqlite_path(self) -> Path | None:
        return self.workdir / "app.sqlite3" if self.engine == "sqlite" else None

    def manage(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=check,
            **kwargs,
        )

    def python_module(self, module: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", module, *args], cwd=ROOT, env=self.env, check=True, **kwargs
        )

    def destroy(self, keep: bool = False) -> None:
        if self.pg_name and self.pg_admin_url:
            _pg_execute(self.pg_admin_url, f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _pg_execute(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(statement)


def engines_to_run(choice: str, pg_admin_url: str) -> list[str]:
    """``--db both``: SQLite, and PostgreSQL when a server answers (otherwise said on stderr)."""
    if choice != "both":
        return [choice]
    try:
        _pg_execute(pg_admin_url, "SELECT 1")
    except Exception as error:
        print(f"PostgreSQL not reachable ({type(error).__name__}); skipped", file=sys.stderr)
        return ["sqlite"]
    return ["sqlite", "postgres"]


def modes_to_run(db: str, servers: str, pg_admin_url: str) -> list[tuple[str, int]]:
    """(engine, app servers) pairs: ``--servers 1`` one gunicorn per engine, ``2`` two gunicorns
    sharing one PostgreSQL database (as two app servers would; never on SQLite, a file of one
    host), ``both`` the one-server runs and then the two-server run. Skipped runs are said on
    stderr."""
    engines = engines_to_run(db, pg_admin_url)
    counts = {"1": [1], "2": [2], "both": [1, 2]}[servers]
    if 2 in counts and "postgres" not in engines:
        why = "not reachable" if db == "both" else "not chosen (--db sqlite)"
        print(f"two app servers on PostgreSQL: skipped (PostgreSQL {why})", file=sys.stderr)
    return [
        (engine, count)
        for count in counts
        for engine in engines
        if count == 1 or engine == "postgres"
    ]


def mode_name(engine: str, servers: int) -> str:
    """The mode's name in a bench name: ``postgres``, ``postgres_two_servers``."""
    return engine if servers == 1 else f"{engine}_two_servers"


def _pg_url_with_name(admin_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def make_scratch(
    engine: str, prefix: str, pg_admin_url: str | None = None, static_root: Path | None = None
) -> Scratch:
    """A fresh empty database and production-like settings for it (DEBUG off, test-only keys
    generated into the temp dir, plain HTTP on loopback). ``static_root``: collected static
    files to share with other scratch databases (collected on first use)."""
    sys.path.insert(0, str(ROOT))
    from audit.keys import generate_audit_key
    from encryption.keys import generate_key_line

    workdir = Path(tempfile.mkdtemp(prefix=f"therapy-notes-{prefix}-"))
    keys = workdir / "keys"
    keys.mkdir(mode=0o700)
    field_keys, audit_key = keys / "field-encryption.keys", keys / "audit-hmac.key"
    _write_secret(field_keys, generate_key_line(1))
    _write_secret(audit_key, generate_audit_key())
    pg_name = None
    if engine == "sqlite":
        database_url = f"sqlite:///{workdir / 'app.sqlite3'}"
    elif engine == "postgres":
        pg_admin_url = pg_admin_url or DEFAULT_PG_URL
        pg_name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
        _pg_execute(pg_admin_url, f'CREATE DATABASE "{pg_name}"')
        database_url = _pg_url_with_name(pg_admin_url, pg_name)
    else:
        raise ValueError(f"unknown engine {engine!r}")
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the caller's Django configuration (the test suite's, a developer's .env
        # overrides) leaks into the server.
        if not key.startswith(("DJANGO_", "FIELD_ENCRYPTION", "AUDIT_HMAC", "DATABASE_URL"))
        and key not in {"TEST_DB_DIR", "PYTHONPATH"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: no TLS, so no Secure cookies and no HTTPS redirect.
            "DJANGO_SECURE_COOKIES": "false",
            "FIELD_ENCRYPTION_KEY_FILE": str(field_keys),
            "AUDIT_HMAC_KEY_FILE": str(audit_key),
            "DATABASE_URL": database_url,
            "DJANGO_STATIC_ROOT": str(static_root or workdir / "static"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return Scratch(workdir, engine, database_url, env, pg_admin_url, pg_name)


def prepare(scratch: Scratch) -> None:
    """Migrate and collect the (hashed, compressed) static files, as a deployment does (unless
    a shared static root already holds them)."""
    scratch.manage("migrate", "--noinput", "-v0")
    if not (Path(scratch.env["DJANGO_STATIC_ROOT"]) / "staticfiles.json").exists():
        scratch.manage("collectstatic", "--noinput", "-v0")


# --- gunicorn ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn in its own process group, its stdout and stderr appended to one log file."""

    def __init__(self, scratch: Scratch, workers: int = 4, log_name: str = "gunicorn.log"):
        self.scratch = scratch
        self.workers = workers
        self.log_path = scratch.workdir / log_name
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 90) -> None:
        for _attempt in range(3):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                # The deployment's own gunicorn configuration (config/gunicorn.conf.py: preloaded
                # app, access log on stdout), on this port and with this many workers.
                env = {
                    **self.scratch.env,
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "WEB_CONCURRENCY": str(self.workers),
                }
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF, "config.wsgi"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group, for killpg
                )
            if self._wait_ready(ready_timeout):
                return
            self.kill()
        raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                url = self.base_url + "/accounts/login/"  # http://127.0.0.1 only
                with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        return False

    def worker_pids(self) -> list[int]:
        """The arbiter's children: its workers now."""
        pid = self.process.pid
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker mid-request; the arbiter starts another in its place."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the whole process group: the arbiter and every worker, mid-request."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def logged_statuses(self) -> list[int]:
        """The status of every request in the access log (its format ends "<status> <bytes>
        <ms>ms")."""
        return [int(m.group(1)) for m in ACCESS_LINE.finditer(self.log_text())]


def start_servers(scratch: Scratch, count: int, workers: int) -> list[Server]:
    """``count`` gunicorns on the one database, each on its own port with its own log
    (``gunicorn.log`` for one; ``gunicorn-1.log``, ``gunicorn-2.log``... for more)."""
    servers = []
    try:
        for number in range(1, count + 1):
            name = "gunicorn.log" if count == 1 else f"gunicorn-{number}.log"
            servers.append(Server(scratch, workers=workers, log_name=name))
            servers[-1].start()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def spread(browsers: list["Browser"], servers: list[Server]) -> None:
    """Every browser to every server in turn, request by request, the first request of each
    browser going to the next server (so that both servers get as many first requests)."""
    urls = [server.base_url for server in servers]
    for index, browser in enumerate(browsers):
        browser.base_urls, browser.turn = list(urls), index


# --- HTTP -------------------------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Stats:
    """Every request's category, status and time, shared by all simulated therapists."""

    samples: list = field(default_factory=list)  # (category, status, ms)
    failures: list = field(default_factory=list)  # (category, error text): no HTTP answer
    routes: list = field(default_factory=list)  # (method and path with ids as <id>, ms)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, category: str, status: int, ms: float, route: str = "") -> None:
        with self.lock:
            self.samples.append((category, status, ms))
            self.routes.append((route, ms))

    def fail(self, category: str, error: str) -> None:
        with self.lock:
            self.failures.append((category, error))


class RequestFailed(Exception):
    """No HTTP answer at all (connection refused or reset, timeout)."""


class Browser:
    """One therapist's browser: its own cookie jar, redirects not followed. With several base
    URLs (``base_urls``: two app servers behind a round-robin balancer), each request goes to
    the next one in turn: the form from one server, its autosave to the other, and so on (the
    cookies are the host's, 127.0.0.1, whatever the port)."""

    def __init__(self, base_url: str, stats: Stats | None = None):
        self.base_urls = [base_url]
        self.turn = 0
        self.stats = stats
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    @property
    def base_url(self) -> str:
        """The address the next request goes to."""
        return self.base_urls[self.turn % len(self.base_urls)]

    @base_url.setter
    def base_url(self, url: str) -> None:
        self.base_urls = [url]

    def pinned(self, base_url: str, stats: Stats | None = None) -> "Browser":
        """The same browser (cookies shared) sending every request to ``base_url``."""
        other = copy.copy(self)
        other.base_urls, other.turn, other.stats = [base_url], 0, stats
        return other

    def csrf_token(self) -> str:
        for cookie in self.cookies:
            if cookie.name.endswith("csrftoken"):
                return cookie.value
        return ""

    def request(self, method: str, path: str, data=None, *, category: str = "page") -> Response:
        body = None
        headers = {"User-Agent": "therapy-notes-loadtest"}
        if data is not None:
            items = list(data.items()) if isinstance(data, dict) else list(data)
            body = urllib.parse.urlencode(items).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        # Always http://127.0.0.1:<port> (the server this module started).
        base_url = self.base_url
        self.turn += 1
        request = urllib.request.Request(  # noqa: S310
            base_url + path, data=body, method=method, headers=headers
        )
        start = time.perf_counter()
        try:
            try:
                handle = self.opener.open(request, timeout=REQUEST_TIMEOUT_S)
            except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
                handle = error
            with handle:
                payload = handle.read()
                status = handle.status if hasattr(handle, "status") else handle.code
                headers_out = {k.lower(): v for k, v in handle.headers.items()}
        except (OSError, urllib.error.URLError, http.client.HTTPException) as error:
            if self.stats:
                self.stats.fail(category, f"{type(error).__name__}: {error}")
            raise RequestFailed(str(error)) from error
        ms = (time.perf_counter() - start) * 1000
        if self.stats:
            self.stats.add(category, status, ms, f"{method} {ID_IN_PATH.sub('<id>', path)}")
        return Response(status, headers_out, payload, ms)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data, **kwargs) -> Response:
        data = list(data.items()) if isinstance(data, dict) else list(data)
        if not any(name == "csrfmiddlewaretoken" for name, _ in data):
            data.append(("csrfmiddlewaretoken", self.csrf_token()))
        return self.request("POST", path, data, **kwargs)


def path_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- reading acknowledged notes back through the servers ---------------------------------------
NOTE_ARTICLE = re.compile(r'<article[^>]*aria-label="Progress note"[^>]*>(.*?)</article>', re.S)
NOTE_MOOD = re.compile(r"<p><strong>Mood / affect:</strong> (.*?)</p>", re.S)
NOTE_PART = re.compile(r'<h2[^>]*>([^<]*)</h2>\s*<div class="note-text">(.*?)</div>', re.S)
NOTE_VERSION = re.compile(
    r'action="/sessions/[0-9a-f-]{36}/sign/".*?name="version" value="(\d+)"', re.S
)
PAGE_FIELDS = {
    "subjective": "section_subjective",
    "objective": "section_objective",
    "assessment": "section_assessment",
    "plan / homework": "plan",
}


def page_content(page: str) -> dict:
    """The tracked text of a note as its page shows it (the form's field names), to hash with
    ``bench.workload.content_hash``; the generated text is one paragraph per part."""
    article = NOTE_ARTICLE.search(page)
    if article is None:
        raise ValueError("no note on the page")
    mood = NOTE_MOOD.search(article.group(1))
    values = {"mood_affect": html.unescape(mood.group(1)) if mood else ""}
    for label, body in NOTE_PART.findall(article.group(1)):
        name = PAGE_FIELDS.get(html.unescape(label).strip().lower())
        if name:
            text = html.unescape(re.sub(r"</?p>|<br>", "", body)).strip()
            values[name] = "" if text == "\u2014" else text
    return values


def read_back(therapists: list[tuple["Browser", list[dict]]], base_urls: list[str]) -> dict:
    """Every note with an acknowledged save in the ledgers, read through each of ``base_urls``
    with its own therapist's browser (``therapists``: (browser, ledger events)): the page answers
    200 with no integrity warning; its text is the acknowledged content (or a later save's, as
    the database check allows); an acknowledged signature shows as signed, and an unsigned note
    is at least at the acknowledged version. Returns {"pages", "errors_5xx", "failures"}."""
    from bench.workload import content_hash

    stats = Stats()
    failures: list[str] = []

    def one_therapist(browser: "Browser", events: list[dict]) -> None:
        notes: dict[str, list[dict]] = {}
        for event in events:
            if event.get("session") and event["kind"] in {"save", "sign"}:
                notes.setdefault(event["session"], []).append(event)
        for session, history in notes.items():
            acked = [i for i, e in enumerate(history) if e["kind"] == "save" and e["acked"]]
            if not acked:
                continue
            last = history[acked[-1]]
            hashes = {last["hash"]} | {
                e["hash"] for e in history[acked[-1] + 1 :] if e["kind"] == "save"
            }
            signed = any(e["kind"] == "sign" and e["acked"] for e in history)
            for base_url in base_urls:
                where = f"note {session} through {base_url}"
                try:
                    page = browser.pinned(base_url, stats).get(f"/sessions/{session}/")
                except RequestFailed as error:
                    failures.append(f"{where}: no answer ({error})")
                    continue
                if page.status != 200:
                    failures.append(f"{where}: answered {page.status}")
                    continue
                if "Integrity warning." in page.text:
                    failures.append(f"{where}: integrity warning")
                try:
                    shown = content_hash(page_content(page.text))
                except ValueError as error:
                    failures.append(f"{where}: {error}")
                    continue
                if shown not in hashes:
                    failures.append(f"{where}: not the acknowledged content")
                version = NOTE_VERSION.search(page.text)
                if signed and "Signed by " not in page.text:
                    failures.append(f"{where}: acknowledged signature not shown")
                elif version and int(version.group(1)) < last["version_after"]:
                    failures.append(
                        f"{where}: version {version.group(1)} is older than the acknowledged "
                        f"{last['version_after']}"
                    )

    threads = [
        threading.Thread(target=one_therapist, args=(browser, events))
        for browser, events in therapists
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "pages": len(stats.samples),
        "errors_5xx": sum(1 for _, status, _ in stats.samples if status >= 500),
        "failures": failures,
    }


# --- sign-in ----------------------------------------------------------------------------------
def totp_code(device: dict) -> str:
    """What the therapist's authenticator app shows (django-otp's own TOTP). A code is
    accepted once: signing in again within the same 30 s uses the next step, which the server
    accepts (one step of tolerance), or waits for it."""
    from django_otp.oath import TOTP

    key, step, t0, digits = (
        bytes.fromhex(device["key"]),
        device["step"],
        device["t0"],
        device["digits"],
    )
    while True:
        now_t = TOTP(key, step, t0, digits, 0).t()
        t = max(now_t, device.get("last_t", -1) + 1)
        if t <= now_t + 1:
            break
        time.sleep(1)
    device["last_t"] = t
    generator = TOTP(key, step, t0, digits, 0)
    generator.time = t0 + t * step
    return str(generator.token()).zfill(digits)


def second_step(browser: Browser, verify_path: str, device: dict) -> Response:
    """The one-time-code step of the sign-in (accounts/ app): POST otp_token."""
    browser.get(verify_path, category="login")
    return browser.post(verify_path, {"otp_token": totp_code(device)}, category="login")


def sign_in(browser: Browser, therapist: dict) -> None:
    """The real two steps, as a browser does them. Raises if the sign-in did not succeed."""
    browser.get("/accounts/login/", category="login")  # sets the CSRF cookie
    response = browser.post(
        "/accounts/login/",
        {"username": therapist["username"], "password": therapist["password"]},
        category="login",
    )
    if response.status != 302:
        raise RuntimeError(f"password step answered {response.status}")
    next_path = path_of(response.location)
    if next_path.startswith("/accounts/2fa/"):
        response = second_step(browser, next_path, therapist["device"])
        if response.status != 302 or path_of(response.location).startswith("/accounts/"):
            raise RuntimeError(
                f"one-time-code step answered {response.status} {response.location!r}"
            )


# --- reading forms out of pages ---------------------------------------------------------------
class FormParser(html.parser.HTMLParser):
    """The fields (as a browser would submit them unchanged) and attributes of one form."""

    def __init__(self, form_id: str | None = None, action: str | None = None):
        super().__init__(convert_charrefs=True)
        self.form_id, self.action = form_id, action
        self.inside = False
        self.found = False
        self.attrs: dict = {}
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _matches(self, attrs: dict) -> bool:
        if self.found:
            return False
        if self.form_id is not None:
            return attrs.get("id") == self.form_id
        return self.action is None or attrs.get("action", "") == self.action

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and self._matches(attrs):
            self.inside, self.found, self.attrs = True, True, attrs
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select:
            value = attrs.get("value")
            self._option_value = value
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._select_first
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def parse_form(page: str, *, form_id: str | None = None, action: str | None = None) -> FormParser:
    parser = FormParser(form_id=form_id, action=action)
    parser.feed(page)
    if not parser.found:
        raise ValueError(f"no form {form_id or action!r} on the page")
    return parser


# --- the command line shared by the load and crash tests -----------------------------------------
def add_mode_arguments(parser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--servers",
        choices=["1", "2", "both"],
        default="both",
        help="app servers: one gunicorn per database, two sharing PostgreSQL, or both in turn",
    )
    parser.add_argument("--workers", type=int, default=4, help="per gunicorn")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="an existing database to connect to for CREATE/DROP DATABASE",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, ledger)")


def for_each_mode(args, run, report, **options) -> None:
    """For every mode the arguments ask for, ``report(mode name, run(engine, servers=...,
    **options))`` (the static files collected once for all); stopped with SIGTERM, it unwinds,
    so that the servers are stopped and the databases dropped."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    modes = modes_to_run(args.db, args.servers, args.pg_url)
    static_root = Path(tempfile.mkdtemp(prefix="therapy-notes-static-"))
    try:
        for engine, servers in modes:
            result = run(
                engine,
                servers=servers,
                workers=args.workers,
                pg_url=args.pg_url,
                keep=args.keep,
                static_root=static_root,
                **options,
            )
            report(mode_name(engine, servers), result)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


# --- the app side: seeding and reading back, run in a child process with the scratch env ------
def seed(scratch: Scratch, *, therapists: int, clients: int, sessions: int) -> list[dict]:
    """Bench therapists with clients, sessions and a confirmed authenticator each."""
    out = scratch.workdir / "therapists.json"
    scratch.python_module(
        "bench.appside",
        "seed",
        str(out),
        str(therapists),
        str(clients),
        str(sessions),
    )
    return json.loads(out.read_text(encoding="utf-8"))


class Checker:
    """A long-lived child process (Django set up once) that checks ledgers against the
    database: ``check(ledger)`` returns the verdict as a dict."""

    def __init__(self, scratch: Scratch):
        self.scratch = scratch
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.appside", "serve"],
            cwd=ROOT,
            env=scratch.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def check(self, ledger_path: Path) -> dict:
        self.process.stdin.write(f"{ledger_path}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the checker process ended")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
