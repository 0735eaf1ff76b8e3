"""A real server for load and crash tests: a scratch database, test-only keys, gunicorn on a
random loopback port, and a small HTTP "browser" (urllib, one cookie jar per therapist).

Nothing here imports Django settings: the driver process stays free of any Django set-up, so
that it can run inside the test suite (whose Django is configured for tests). Everything that
needs the app (migrate, seeding, reading the database back) runs in a child process with the
scratch environment.
"""

import contextlib
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
    """One therapist's browser: its own cookie jar, redirects not followed."""

    def __init__(self, base_url: str, stats: Stats | None = None):
        self.base_url = base_url
        self.stats = stats
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

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
        request = urllib.request.Request(  # noqa: S310
            self.base_url + path, data=body, method=method, headers=headers
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
