"""Browser tests: Playwright for Python driving Debian's chromium against a live test server.

Never a downloaded browser: the tests use /usr/bin/chromium (or $BROWSER_TESTS_CHROMIUM) and
are skipped, with the reason, when it is missing, unless $REQUIRE_BROWSER_TESTS is set (CI sets
it, so that a missing browser fails there instead of passing silently).
"""

import base64
import os
import time
from pathlib import Path
from unittest import SkipTest

from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.db import connections
from django.test import Client as DjangoClient
from django_otp.oath import TOTP

from accounts.testing import sign_in

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
AXE_JS = HERE / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous: the first page of a run builds the search index, and CI machines are slow.
TIMEOUT_MS = 20_000
EXPECT_TIMEOUT_MS = 10_000

# Collects Content-Security-Policy violations (injected by the browser before any page script,
# so the CSP does not apply to it).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""

# Every visible form control without an accessible label of its own.
UNLABELLED_CONTROLS = """
() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
  .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
  .filter((el) => !(el.labels && Array.from(el.labels).some((l) => l.textContent.trim()))
    && !(el.getAttribute("aria-label") || "").trim()
    && !(el.getAttribute("aria-labelledby") || "").split(/\\s+/).some((id) => {
      const ref = id && document.getElementById(id);
      return ref && ref.textContent.trim();
    }))
  .map((el) => el.outerHTML.slice(0, 160))
"""

# The focused element and whether it shows its focus: an outline, or a focus ring (Bootstrap
# draws box-shadows).
FOCUS_STATE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return {focused: false};
  }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  // Chrome's own calendar or clock button inside a date or time field: focus is then inside the
  // field's browser-drawn shadow tree (the field itself no longer matches :focus) and Chrome
  // outlines the button itself.
  const pickerButton = /^(date|time|datetime-local|month|week)$/.test(el.type || "")
    && !el.matches(":focus");
  // Not hidden by anything drawn on top of it (a sticky bar): some point of it is the
  // topmost element there.
  const rect = el.getBoundingClientRect();
  const top = Math.max(rect.top, 0), bottom = Math.min(rect.bottom, window.innerHeight);
  const left = Math.max(rect.left, 0), right = Math.min(rect.right, window.innerWidth);
  let unobscured = false;
  for (const [fx, fy] of [[.5, .5], [.25, .25], [.75, .25], [.25, .75], [.75, .75]]) {
    if (bottom <= top || right <= left) { break; }
    const hit = document.elementFromPoint(left + (right - left) * fx, top + (bottom - top) * fy);
    if (hit && (hit === el || el.contains(hit))) { unobscured = true; break; }
  }
  return {
    focused: true,
    visible: outline || ring || pickerButton,
    focusVisible: el.matches(":focus-visible"),
    unobscured: unobscured,
    description: el.tagName.toLowerCase()
      + (el.id ? "#" + el.id : "")
      + (el.name ? "[name=" + el.name + "]" : "")
      + " " + (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40),
  };
}
"""


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def require_browser():
    """Playwright's sync_playwright, if chromium and playwright are there; otherwise the test
    class is skipped, or fails when $REQUIRE_BROWSER_TESTS is set."""
    if not chromium_available():
        reason = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            raise RuntimeError(reason + "; REQUIRE_BROWSER_TESTS is set")
        raise SkipTest(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            raise
        raise SkipTest(f"playwright is not installed: {exc}") from None
    return sync_playwright


def totp_code_from_secret(secret_text: str, *, step_offset: int = 0) -> str:
    """What an authenticator app shows for the base32 secret printed on the set-up page."""
    compact = "".join(secret_text.split()).upper()
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    generator = TOTP(key, step=30, t0=0, digits=6, drift=step_offset)
    return str(generator.token()).zfill(6)


def wait_until(predicate, *, timeout: float = 15.0, message: str = "condition"):
    """Waits for something the browser does asynchronously (an autosave beacon reaching the
    server); fails with `message` if it never happens."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.1)


class BrowserTestCase(StaticLiveServerTestCase):
    """One chromium per test class; a fresh browser context (cookies, storage) per use."""

    # The built-in themes come from a data migration: restore them after each test's flush.
    serialized_rollback = True
    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        sync_playwright = require_browser()
        from playwright.sync_api import expect

        # Sync Playwright runs an event loop in this thread; the ORM calls the tests make
        # between browser steps are synchronous and safe.
        cls._async_unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()
        serialized = {
            alias: getattr(connections[alias], "_test_serialized_contents", None)
            for alias in connections
        }
        cls._playwright = sync_playwright().start()
        # From here on an event loop runs in this thread, so Django's connection handler hands
        # out other connection objects (asgiref keeps them per async context). Give them the
        # serialized test data, or the flush after each test would emit post_migrate and
        # re-create content types under new ids, breaking the next class's restore.
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        try:
            cls.browser = cls._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Exception:
            cls._playwright.stop()
            super().tearDownClass()
            raise
        # Assertions wait for the page up to this long (the autosave waits 3 seconds by design).
        expect.set_options(timeout=EXPECT_TIMEOUT_MS)
        SCREENSHOTS.mkdir(exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.browser.close()
            cls._playwright.stop()
        finally:
            super().tearDownClass()
            if cls._async_unsafe_before is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe_before

    # --- contexts and pages ---------------------------------------------------------------

    def new_context(self, *, user=None, bypass_csp: bool = False, **options):
        """A fresh browser profile; signed in as `user` (password and 2FA done) if given."""
        context = self.browser.new_context(
            base_url=self.live_server_url,
            # Bootstrap scrolls smoothly otherwise: a focused element would still be on its way
            # into view when the tests look at it.
            reduced_motion="reduce",
            bypass_csp=bypass_csp,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_RECORDER)
        self.addCleanup(self.close_context, context)
        if user is not None:
            self.add_session_cookie(context, user)
        return context

    @staticmethod
    def close_context(context) -> None:
        """Close without a last request: closing a page with unsaved text sends an autosave
        beacon, which must not reach the server while the test database is being flushed."""
        context.route("**/*", lambda route: route.abort())
        context.close()

    def new_page(self, **kwargs):
        page = self.new_context(**kwargs).new_page()
        self.watch_errors(page)
        return page

    def add_session_cookie(self, context, user) -> None:
        client = DjangoClient()
        sign_in(client, user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": self.live_server_url,
                }
            ]
        )

    def watch_errors(self, page) -> list[str]:
        """Collects script errors and console errors of `page` (checked by assert_clean)."""
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

        def on_console(msg) -> None:
            source = msg.location.get("url") or ""
            # Chrome asks for /favicon.ico by itself; the app has none (a 404, not a fault).
            if msg.type == "error" and not source.endswith("/favicon.ico"):
                errors.append(f"console {msg.type}: {msg.text} ({source})")

        page.on("console", on_console)
        page._tn_errors = errors
        return errors

    def assert_clean(self, page) -> None:
        """No CSP violation and no script or console error on the current page."""
        violations = page.evaluate("() => window.__cspViolations || []")
        errors = getattr(page, "_tn_errors", [])
        problems = [f"CSP violation: {v}" for v in violations] + errors
        self.assertEqual(problems, [], f"{page.url}:\n" + "\n".join(problems))

    def screenshot(self, page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    # --- accessibility ----------------------------------------------------------------------

    _axe_source: str | None = None

    @classmethod
    def axe_source(cls) -> str:
        if cls._axe_source is None:
            cls._axe_source = AXE_JS.read_text(encoding="utf-8")
        return cls._axe_source

    def axe_violations(self, page, *, impacts=("serious", "critical")) -> list[dict]:
        """axe-core's violations of the given impacts on the current page (the context must
        bypass the CSP: axe is injected as an inline script)."""
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=self.axe_source())
        results = page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations.map((v) => ({
                  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                  nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "), html: n.html.slice(0, 200),
                    summary: n.failureSummary,
                  })),
                }));
            }"""
        )
        return [v for v in results if v["impact"] in impacts]

    @staticmethod
    def describe_violations(name: str, url: str, violations: list[dict]) -> str:
        lines = [f"{name} ({url}): {len(violations)} serious/critical axe violation(s)"]
        for v in violations:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:5]:
                lines.append(f"      at {node['target']}: {node['html']}")
                for detail in (node["summary"] or "").splitlines():
                    lines.append(f"        {detail}")
            if len(v["nodes"]) > 5:
                lines.append(f"      … and {len(v['nodes']) - 5} more")
        return "\n".join(lines)

    def unlabelled_controls(self, page) -> list[str]:
        return page.evaluate(UNLABELLED_CONTROLS)

    def focus_state(self, page) -> dict:
        return page.evaluate(FOCUS_STATE)
