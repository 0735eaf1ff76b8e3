"""Stored XSS in a real browser: the payload corpus stored through the app's forms, every page
visited in Debian's Chromium, and no payload may run.

Payloads call ``__xss(marker)``, ``alert``/``prompt``/``confirm``, load off-site URLs or carry
inline handlers and styles. The page gets an init script recording ``__xss`` calls and CSP
violations; dialogs and off-site requests are recorded too. A CSP violation counts as a
failure of escaping: the payload reached the DOM as code and only the policy stopped it.

Needs /usr/bin/chromium (CI installs it; Playwright never downloads a browser): skipped without
it, failing instead when $REQUIRE_BROWSER_TESTS is set (tests/browser/base.py).
"""

import unittest

from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.testing import sign_in

from ..base import make_therapist
from ..browser.base import CHROMIUM, CHROMIUM_ARGS, BrowserTestCase, require_browser
from .xss_payloads import MARKER_RE
from .xss_world import CORPUS, build_world, pack

INIT_SCRIPT = """
window.__xss_hits = [];
window.__csp = [];
window.__xss = function (marker) { window.__xss_hits.push(String(marker)); };
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
}, true);
"""
# Hover, focus and pointer events on every element: an injected handler would run (or be
# stopped by CSP, which the listener above reports).
POKE_SCRIPT = """
() => {
  const events = ["mouseover", "mouseenter", "pointerenter", "focusin", "animationstart"];
  for (const el of document.querySelectorAll("body *")) {
    for (const type of events) { el.dispatchEvent(new Event(type, { bubbles: true })); }
    if (el.matches("input, textarea, select, [tabindex], [contenteditable]")) { el.focus(); }
  }
  return document.querySelectorAll("body *").length;
}
"""
COLLECT_SCRIPT = "() => ({hits: window.__xss_hits || [], csp: window.__csp || []})"


class BrowserXSSTests(BrowserTestCase):
    """The shared browser harness: chromium per class, and the test data (built-in themes,
    content types) restored after each test's flush, whatever ran before."""

    def setUp(self):
        self.alice = make_therapist("alice")
        self.world = build_world(self.alice, compact=True)
        http = HttpClient()
        sign_in(http, self.alice)
        cookie = http.cookies[settings.SESSION_COOKIE_NAME].value
        self.context = self.browser.new_context()
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.live_server_url}]
        )
        self.context.add_init_script(INIT_SCRIPT)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.off_site: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.context.route("**/*", self._route)

    def tearDown(self):
        self.context.close()

    def _dialog(self, dialog):
        if dialog.type == "beforeunload":  # autosave.js: leaving with unsaved changes
            dialog.accept()
            return
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _route(self, route):
        if route.request.url.startswith(self.live_server_url):
            route.continue_()
        else:
            self.off_site.append(route.request.url)
            route.abort()

    def visit(self, name: str, url: str) -> None:
        self.page.goto(self.live_server_url + url, wait_until="load")
        self.assert_nothing_ran(name)

    def assert_nothing_ran(self, name: str) -> None:
        self.page.evaluate(POKE_SCRIPT)
        self.page.wait_for_timeout(50)
        found = self.page.evaluate(COLLECT_SCRIPT)
        self.assertEqual(found["hits"], [], f"{name}: payload script ran")
        self.assertEqual(self.dialogs, [], f"{name}: payload opened a dialog")
        self.assertEqual(found["csp"], [], f"{name}: CSP stopped a payload (escaping failed)")
        self.assertEqual(self.off_site, [], f"{name}: off-site request")
        self.assertEqual(self.page_errors, [], f"{name}: script error on the page")
        self.assertNotRegex(self.page.title(), r"^XSSM\d{3}$", f"{name}: title set by a payload")

    def test_no_payload_runs_on_any_page(self):
        world = self.world
        main, signed, draft = world.main, world.sessions["soap"], world.sessions["dap"]
        theme = world.themes[0]
        pages = [
            ("dashboard", reverse("dashboard")),
            ("client list", reverse("client_list") + "?status=all"),
            ("client detail", reverse("client_detail", args=[main.pk])),
            ("discharged client", reverse("client_detail", args=[world.discharged.pk])),
            ("client edit", reverse("client_edit", args=[main.pk])),
            ("client discharge", reverse("client_discharge", args=[main.pk])),
            ("session detail, signed", reverse("session_detail", args=[signed.pk])),
            ("session detail, draft", reverse("session_detail", args=[draft.pk])),
            ("process note", reverse("process_note", args=[signed.pk])),
            ("draft detail", reverse("draft_detail", args=[world.draft_key])),
            ("theme list", reverse("theme_list")),
            ("theme edit", reverse("theme_edit", args=[theme.pk])),
            ("theme timeline", reverse("client_themes", args=[main.pk])),
            ("theme sessions", reverse("client_theme_sessions", args=[main.pk, theme.slug])),
            ("caseload", reverse("theme_caseload")),
            ("audit log", reverse("audit_log")),
            ("case summary form", reverse("case_summary", args=[main.pk])),
        ]
        for name, url in pages:
            self.visit(name, url)
        self.check_session_form(reverse("session_edit", args=[draft.pk]))
        self.check_session_form(reverse("session_create", args=[main.pk]))  # restored draft
        self.check_search()
        self.check_reflected_filters()

    def check_session_form(self, url: str) -> None:
        """session_form.js, autosave.js and suggest.js run over the payloads: typing fires
        suggestions (theme names, evidence quoted from the note) and an autosave."""
        page = self.page
        self.visit(url, url)
        trigger = (
            " She felt dismissed by her mother <img src=x onerror=__xss('XSSM990')> and had "
            "thoughts of ending her life <svg onload=__xss('XSSM991')>. "
        )
        area = page.locator(".note-section:not([hidden]) textarea").first
        area.focus()
        area.press("End")
        area.type(trigger)
        page.locator("#id_risk_notes").focus()
        page.locator("#id_risk_notes").press("End")
        page.locator("#id_risk_notes").type(" <b onmouseover=__xss('XSSM992')>x</b>")
        page.wait_for_function(
            "() => !document.getElementById('theme-suggestions').hidden", timeout=15_000
        )
        page.wait_for_function(
            "() => /Saved/.test(document.getElementById('autosave-status').textContent)",
            timeout=15_000,
        )
        panels = page.evaluate(
            """() => ['theme-suggestions', 'risk-prompts'].map(id => {
                 const el = document.getElementById(id);
                 return {id, tags: [...el.querySelectorAll('*')].map(n => n.tagName.toLowerCase()),
                         text: el.textContent};
               })"""
        )
        for panel in panels:
            allowed = {"h3", "div", "button", "strong", "span", "p", "label", "select", "option"}
            self.assertLessEqual(set(panel["tags"]), allowed, panel["id"])
        # Names and evidence went in as text: the panels hold only the nodes suggest.js makes.
        self.assertIn("Suggested from your note", panels[0]["text"])
        self.assertIn("ending her life", panels[1]["text"])
        self.assert_nothing_ran(f"{url} after typing")
        # Switching the note format shows and hides sections over the payload text.
        select = page.locator("[data-note-format]")
        for value in ("narrative", "soap", "dap"):
            select.select_option(value)
        self.assert_nothing_ran(f"{url} after switching formats")

    def check_search(self) -> None:
        page = self.page
        for query in ("xssm0*", "xssm1*", "script img", "amp lt", CORPUS[:900]):
            self.visit("search page", reverse("search"))
            page.fill("main #id_q", query)
            with page.expect_navigation(wait_until="load"):
                page.locator("main form[role=search] button[type=submit]").click()
            self.assert_nothing_ran(f"search {query[:30]!r}")
            if MARKER_RE.search(query) is None and "*" in query:
                self.assertGreater(page.locator(".search-result").count(), 0, query)

    def check_reflected_filters(self) -> None:
        from urllib.parse import urlencode

        chunk = pack(1000)[0]
        # The client filter is a posted form: type into it.
        self.visit("client list", reverse("client_list"))
        self.page.fill("main input[name=q]", pack(100)[0])
        with self.page.expect_navigation(wait_until="load"):
            self.page.press("main input[name=q]", "Enter")
        self.assert_nothing_ran("client filter")
        for name, route, params in (
            ("client status filter", "client_list", {"status": chunk}),
            ("audit filter", "audit_log", {"client": chunk, "date_from": chunk}),
            ("caseload filter", "theme_caseload", {"theme": chunk, "category": chunk}),
        ):
            self.visit(name, f"{reverse(route)}?{urlencode(params)}")


class BrowserCheckNegativeControls(unittest.TestCase):
    """The browser check notices a payload that runs, and one that only CSP stopped."""

    @classmethod
    def setUpClass(cls):
        # Skipped without chromium, failing instead when $REQUIRE_BROWSER_TESTS is set.
        cls.pw = require_browser()().start()
        cls.browser = cls.pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.pw.stop()

    def load(self, body: str, *, csp: str | None):
        context = self.browser.new_context()
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        headers = {"Content-Type": "text/html"}
        if csp:
            headers["Content-Security-Policy"] = csp

        def fulfil(route):
            if route.request.url == "http://xss-control.test/":
                route.fulfill(status=200, headers=headers, body=body)
            else:
                route.abort()

        context.route("**/*", fulfil)
        page.goto("http://xss-control.test/", wait_until="load")
        page.evaluate(POKE_SCRIPT)
        page.wait_for_timeout(100)
        found = page.evaluate(COLLECT_SCRIPT)
        context.close()
        return found, dialogs

    def test_injected_payload_runs_without_csp(self):
        body = (
            "<!doctype html><title>x</title><p><img src=x onerror=__xss('XSSM998')>"
            "<b onmouseover=\"alert('XSSM997')\">x</b></p>"
        )
        found, dialogs = self.load(body, csp=None)
        self.assertIn("XSSM998", found["hits"])
        self.assertIn("XSSM997", dialogs)

    def test_injected_payload_stopped_by_csp_is_reported(self):
        body = "<!doctype html><title>x</title><p><img src=x onerror=__xss('XSSM996')></p>"
        found, dialogs = self.load(body, csp="default-src 'self'; script-src 'self'")
        self.assertEqual((found["hits"], dialogs), ([], []))
        self.assertTrue(found["csp"], "the CSP violation was not reported")
