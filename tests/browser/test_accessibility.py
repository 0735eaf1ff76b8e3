"""Accessibility in a real browser: axe-core on every main page (no serious or critical
violation) in light and dark mode and at a tablet's width, a label for every form control, no
Content-Security-Policy violation on any page (without the bypass that axe needs), and logging a
note with the keyboard alone, focus always visible."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from playwright.sync_api import expect

from sessions.models import RiskLevel, SessionType, TherapySession
from sessions.services import add_addendum, sign_session
from tests.base import PASSWORD, make_client, make_session, make_therapist
from themes.models import Theme

from . import base


@dataclass
class Step:
    """One page to check: `who` is "therapist" (signed in), "anonymous", "new" (password
    accepted, no authenticator yet) or "returning" (password accepted, code expected)."""

    name: str
    who: str
    url: str
    then: Callable | None = None  # brings the page to the state to check


def _search_from_top_bar(page) -> None:
    toggler = page.get_by_role("button", name="Toggle navigation")
    if toggler.is_visible():  # below 1200 px the top bar is folded
        toggler.click()
    box = page.get_by_role("search").get_by_label("Search notes")
    box.fill("mother")
    box.press("Enter")
    expect(page.locator(".search-result").first).to_be_visible()


def _type_a_note(page) -> None:
    page.get_by_label("Subjective").fill("Her mother never accepted her; people-pleasing at work.")
    expect(page.locator("#theme-suggestions .suggestion").first).to_be_visible()


def _open_sign_confirmation(page) -> None:
    page.get_by_text("Sign note…").click()
    expect(page.get_by_role("button", name="Sign and lock")).to_be_visible()


def _submit_empty(page) -> None:
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("alert").first).to_be_visible()


def _fail_sign_in(page) -> None:
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".alert, .invalid-feedback").first).to_be_visible()


class AccessibilityTests(base.BrowserTestCase):
    def setUp(self):
        self.therapist = make_therapist("alex", last_name="Rivera")
        self.newcomer = make_therapist("noor", last_name="Haddad")  # no authenticator yet
        self.returning = make_therapist("remy", last_name="Laurent")
        from accounts.testing import totp_device

        totp_device(self.returning)

        themes = {t.slug: t.pk for t in Theme.objects.filter(owner__isnull=True)}
        self.client_record = make_client(
            self.therapist,
            full_name="Ingrid Solberg",
            preferred_name="Inge",
            pronouns="she/her",
            presenting_concerns="Low mood after the birth of her son.",
        )
        make_client(self.therapist, full_name="Tomasz Wrona")
        start = datetime.date(2026, 1, 5)
        sessions = []
        for week, theme_set in enumerate(
            [
                {"maternal-rejection": 3, "people-pleasing": 1},
                {"maternal-rejection": 2, "boundary-difficulties": 2},
                {"people-pleasing": 2},
                {"maternal-rejection": 3, "people-pleasing": 2, "boundary-difficulties": 1},
            ]
        ):
            sessions.append(
                make_session(
                    self.client_record,
                    date=start + datetime.timedelta(weeks=week),
                    note={
                        "subjective": f"Week {week + 1}: her mother never called back.",
                        "assessment": "Working through the old wound.",
                    },
                    plan="Notice when she says yes to be liked.",
                    risk_level=RiskLevel.LOW,
                    risk_notes="Denies thoughts of self-harm.",
                    session_type=SessionType.INDIVIDUAL,
                    themes=[
                        {"theme": themes[slug], "intensity": level}
                        for slug, level in theme_set.items()
                    ],
                )
            )
        for session in sessions[:3]:
            sign_session(session=session, signer=self.therapist, expected_version=session.version)
        self.signed_session = TherapySession.objects.get(pk=sessions[0].pk)
        add_addendum(
            session=self.signed_session,
            author=self.therapist,
            text="Corrected: the call was on Tuesday.",
        )
        self.draft_session = sessions[3]

    def steps(self) -> list[Step]:
        client_pk = self.client_record.pk
        return [
            Step("sign-in", "anonymous", reverse("login")),
            Step("sign-in with an error", "anonymous", reverse("login"), _fail_sign_in),
            Step("2FA set-up", "new", reverse("two_factor_setup")),
            Step("2FA verify", "returning", reverse("two_factor_verify")),
            Step("dashboard", "therapist", reverse("dashboard")),
            Step("client list", "therapist", reverse("client_list")),
            Step("client detail", "therapist", reverse("client_detail", args=[client_pk])),
            Step("new client form", "therapist", reverse("client_create")),
            Step("new client form, errors", "therapist", reverse("client_create"), _submit_empty),
            Step(
                "session form, suggestions",
                "therapist",
                reverse("session_create", args=[client_pk]),
                _type_a_note,
            ),
            Step(
                "session detail, draft, sign confirmation",
                "therapist",
                reverse("session_detail", args=[self.draft_session.pk]),
                _open_sign_confirmation,
            ),
            Step(
                "session detail, signed, addenda",
                "therapist",
                reverse("session_detail", args=[self.signed_session.pk]),
            ),
            Step("search results", "therapist", reverse("dashboard"), _search_from_top_bar),
            Step("theme timeline", "therapist", reverse("client_themes", args=[client_pk])),
            Step(
                "themes not suggested",
                "therapist",
                reverse("client_theme_exclusions", args=[client_pk]),
            ),
            Step(
                "theme sessions",
                "therapist",
                reverse("client_theme_sessions", args=[client_pk, "maternal-rejection"]),
            ),
            Step("caseload themes", "therapist", reverse("theme_caseload")),
            Step("theme list", "therapist", reverse("theme_list")),
            Step("new theme form", "therapist", reverse("theme_create")),
            Step("case summary form", "therapist", reverse("case_summary", args=[client_pk])),
            Step("password change", "therapist", reverse("password_change")),
            Step("two-factor manage", "therapist", reverse("two_factor_manage")),
            Step("audit log", "therapist", reverse("audit_log")),
        ]

    def open_step(
        self, step: Step, *, bypass_csp: bool, pages: dict, color_scheme="light", viewport=None
    ):
        """The page for `step`, in a context of the right person (one per person), in the
        device's colour mode `color_scheme` and, if given, a window of `viewport` (w, h)."""
        page = pages.get(step.who)
        if page is None:
            user = self.therapist if step.who == "therapist" else None
            page = self.new_page(user=user, bypass_csp=bypass_csp, color_scheme=color_scheme)
            if viewport is not None:
                page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
            if step.who in {"new", "returning"}:
                username = self.newcomer.username if step.who == "new" else self.returning.username
                page.goto(reverse("login"))
                page.get_by_label("Username").fill(username)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page).to_have_url(re.compile(re.escape(step.url)))
            pages[step.who] = page
        page.goto(step.url)
        if step.then is not None:
            step.then(page)
        return page

    def check_axe(self, *, color_scheme: str, viewport=None) -> None:
        """axe-core and the labels on every step, in one colour mode and window size."""
        failures, summary = [], []
        pages: dict = {}
        for step in self.steps():
            page = self.open_step(
                step, bypass_csp=True, pages=pages, color_scheme=color_scheme, viewport=viewport
            )
            expect(page.locator("html")).to_have_attribute("data-bs-theme", color_scheme)
            every = self.axe_violations(page, impacts=("minor", "moderate", "serious", "critical"))
            serious = [v for v in every if v["impact"] in {"serious", "critical"}]
            unlabelled = self.unlabelled_controls(page)
            others = sorted({f"{v['id']} ({v['impact']})" for v in every if v not in serious})
            summary.append(
                f"{step.name}: {len(serious)} serious/critical"
                + (f"; also {', '.join(others)}" if others else "")
                + (f"; {len(unlabelled)} unlabelled" if unlabelled else "")
            )
            if serious:
                failures.append(self.describe_violations(step.name, page.url, serious))
            if unlabelled:
                failures.append(
                    f"{step.name} ({page.url}): form controls without a label:\n"
                    + "\n".join(f"  {html}" for html in unlabelled)
                )
        where = f"{color_scheme} mode" + (f", {viewport[0]}x{viewport[1]}" if viewport else "")
        print(f"\naxe-core results per page ({where}):\n  " + "\n  ".join(summary))
        self.assertFalse(failures, f"{where}:\n" + "\n\n".join(failures))

    def test_main_pages_have_no_serious_axe_violations_and_every_control_a_label(self):
        self.check_axe(color_scheme="light")

    def test_in_dark_mode_too(self):
        """The device asks for dark (prefers-color-scheme): Bootstrap's dark colour mode."""
        self.check_axe(color_scheme="dark")

    def test_on_a_tablet_in_both_colour_modes(self):
        """820 x 1180 (a tablet held upright): the top bar folded, the columns stacked."""
        self.check_axe(color_scheme="light", viewport=(820, 1180))
        self.check_axe(color_scheme="dark", viewport=(820, 1180))

    def test_main_pages_keep_to_the_content_security_policy(self):
        """Without the bypass: no violation report, no script error, on any page or state."""
        failures = []
        pages: dict = {}
        for step in self.steps():
            page = self.open_step(step, bypass_csp=False, pages=pages)
            try:
                self.assert_clean(page)
            except AssertionError as exc:
                failures.append(f"{step.name}: {exc}")
            page._tn_errors.clear()
        self.assertFalse(failures, "\n\n".join(failures))

    # --- the keyboard alone -------------------------------------------------------------------

    def tab_to(self, page, predicate: str, *, what: str, backwards: bool = False, limit=150):
        """Press Tab (or Shift+Tab) until the focused element satisfies the JavaScript
        `predicate` (a function of the element); every element on the way must show its
        focus."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            page.keyboard.press(key)
            state = self.focus_state(page)
            self.assertTrue(state["focused"], f"focus was lost to the page on the way to {what}")
            self.assertTrue(
                state["visible"], f"focus is not visible on {state['description']} ({page.url})"
            )
            self.assertTrue(
                state["unobscured"], f"{state['description']} has focus but is hidden from view"
            )
            self.focus_stops.append(state["description"])
            if page.evaluate(f"({predicate})(document.activeElement)"):
                return
        self.fail(f"{what} not reached with {limit} presses of {key}")

    def active(self, page, expression: str):
        return page.evaluate(f"(el => {expression})(document.activeElement)")

    def test_logging_a_note_with_the_keyboard_alone(self):
        """From the dashboard to a saved session with themes: Tab, Shift+Tab, Enter, Space and
        the arrow keys only; the focus is visible at every stop."""
        self.focus_stops: list[str] = []
        maternal = Theme.objects.get(slug="maternal-rejection").pk
        pleasing = Theme.objects.get(slug="people-pleasing").pk
        page = self.new_page(user=self.therapist)
        page.goto(reverse("dashboard"))
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

        # Choose the client in the dashboard's "Log a session for" list with the arrow keys.
        self.tab_to(page, "el => el.id === 'start-client'", what="the client list")
        for _ in range(5):
            if self.active(page, "el.value") == str(self.client_record.pk):
                break
            page.keyboard.press("ArrowDown")
        self.assertEqual(self.active(page, "el.value"), str(self.client_record.pk))
        self.tab_to(page, "el => el.textContent.trim() === 'Log session'", what="Log session")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=re.compile("Log session"))).to_be_visible()
        self.screenshot(page, "30-keyboard-session-form")

        # Type the note.
        self.tab_to(page, "el => el.id === 'id_section_subjective'", what="Subjective")
        page.keyboard.type("Her mother never accepted her. She says yes to everyone at work.")
        # Back up one field with Shift+Tab and forward again: nothing typed is lost.
        self.tab_to(page, "el => el.id === 'id_mood_affect'", what="Mood", backwards=True)
        page.keyboard.type("Tearful, then animated")
        self.tab_to(page, "el => el.id === 'id_plan'", what="Plan / homework")
        page.keyboard.type("Notice each yes that means no.")
        self.tab_to(page, "el => el.id === 'id_risk_level'", what="Risk level")
        page.keyboard.press("ArrowDown")
        self.assertEqual(self.active(page, "el.value"), "none")

        # Accept the suggested theme with Enter: focus lands on the theme it tagged.
        suggestion = page.locator("#theme-suggestions .suggestion", has_text="Maternal rejection")
        expect(suggestion).to_be_visible()
        self.tab_to(
            page,
            "el => el.textContent === 'Accept' && el.closest('.suggestion')"
            " && el.closest('.suggestion').textContent.includes('Maternal rejection')",
            what="Accept on the Maternal rejection suggestion",
        )
        page.keyboard.press("Enter")
        expect(page.locator(f"#id_theme_{maternal}")).to_be_focused()
        self.assertEqual(self.active(page, "el.value"), "1")
        self.assertTrue(self.focus_state(page)["visible"])
        page.keyboard.press("ArrowDown")  # mentioned -> explored
        self.assertEqual(self.active(page, "el.value"), "2")

        # Open another group of themes with Space and choose one with the arrow keys.
        self.tab_to(
            page,
            "el => el.tagName === 'SUMMARY' && el.textContent.trim() === 'Relational patterns'",
            what="the Relational patterns group",
        )
        page.keyboard.press("Space")
        expect(page.locator(f"#id_theme_{pleasing}")).to_be_visible()
        self.tab_to(page, f"el => el.id === 'id_theme_{pleasing}'", what="People-pleasing")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")  # central
        self.assertEqual(self.active(page, "el.value"), "3")
        self.screenshot(page, "31-keyboard-themes-chosen")

        # Save with Enter on the button.
        self.tab_to(page, "el => el.textContent.trim() === 'Save session'", what="Save session")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=re.compile("Session of"))).to_be_visible()
        themes = page.get_by_role("region", name="Themes")
        expect(themes).to_contain_text("Maternal rejection")
        expect(themes).to_contain_text("People-pleasing")
        self.screenshot(page, "32-keyboard-session-saved")
        self.assert_clean(page)

        session = TherapySession.objects.filter(client=self.client_record).latest("created_at")
        self.assertEqual(session.theme_intensities(), {maternal: 2, pleasing: 3})
        self.assertEqual(session.risk_level, RiskLevel.NONE)
        self.assertIn("never accepted her", session.note["subjective"])
        self.assertEqual(session.mood_affect, "Tearful, then animated")
