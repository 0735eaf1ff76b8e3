"""The note form's tools in a browser: the keyboard shortcuts and their help overlay, Save and
sign behind its confirmation, the last session's panel and its Bring forward buttons, and the
theme suggestions next to the text being typed on a tablet."""

import datetime
import re

from playwright.sync_api import expect

from sessions.models import NoteStatus, TherapySession
from tests.base import make_client, make_session, make_therapist
from themes.models import Theme

from .base import BrowserTestCase

NOTE = (
    "She described her mother as dismissive whenever she phoned. At home she works "
    "hard to please her partner and rarely says what she needs."
)
LAST_PLAN = "Keep a diary of each yes that meant no.\nBring it next week."
TABLET = {"width": 820, "height": 1180}


class NoteFormToolsTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("ines")
        self.client_record = make_client(self.user, full_name="Philippa Aldersgate")
        self.rejection = Theme.objects.get(slug="maternal-rejection")
        self.pleasing = Theme.objects.get(slug="people-pleasing")
        self.guilt = Theme.objects.get(slug="guilt")

    def open(self, path, viewport=None):
        page = self.new_context(user=self.user).new_page()
        if viewport:
            page.set_viewport_size(viewport)
        self.watch_errors(page)
        page.goto(path)
        return page

    def new_note_url(self):
        return f"/clients/{self.client_record.pk}/sessions/new/"

    def notes(self):
        return TherapySession.objects.filter(client=self.client_record)

    # --- shortcuts ---------------------------------------------------------------------------
    def test_question_mark_opens_the_help_and_escape_closes_it(self):
        page = self.open("/")
        overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(overlay).to_be_hidden()
        page.keyboard.press("?")
        expect(overlay).to_be_visible()
        expect(overlay).to_contain_text("Search notes")
        expect(overlay).to_contain_text("Save the note you are writing")
        page.keyboard.press("Escape")
        expect(overlay).to_be_hidden()
        self.assert_clean(page)

    def test_keys_typed_in_a_field_stay_text(self):
        page = self.open(self.new_note_url())
        subjective = page.get_by_label("Subjective")
        subjective.click()
        page.keyboard.type("Why? /n")
        expect(subjective).to_have_value("Why? /n")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
        expect(subjective).to_be_focused()
        # Negative control: outside a field the same key opens the overlay.
        page.locator("h1").click()
        page.keyboard.press("?")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()

    def test_slash_focuses_the_search_box_also_in_the_collapsed_menu(self):
        for viewport in ({"width": 1280, "height": 900}, TABLET):
            with self.subTest(width=viewport["width"]):
                page = self.open("/", viewport)
                search = page.get_by_role("search").get_by_label("Search notes")
                page.keyboard.press("/")
                expect(search).to_be_focused()
                expect(search).to_be_visible()
                expect(search).to_have_value("")  # the slash is not typed into it
                self.assert_clean(page)

    def test_n_opens_the_note_of_the_appointment_in_focus_or_selected_or_first(self):
        other = make_client(self.user, full_name="Second Client")
        third = make_client(self.user, full_name="Third Client")
        links = {
            "first": f"/clients/{self.client_record.pk}/sessions/new/",
            "selected": f"/clients/{other.pk}/sessions/new/",
            "focused": f"/clients/{third.pk}/sessions/new/",
        }
        # The dashboard's appointment list (its contract with shortcuts.js), made here so that
        # this test does not depend on which appointments today has.
        build = """([links, selected]) => {
            const list = document.createElement("ul");
            list.id = "test-appointments";
            for (const [name, href] of Object.entries(links)) {
              const item = document.createElement("li");
              item.setAttribute("data-appointment", "");
              if (name === "selected" && selected) { item.setAttribute("data-selected", ""); }
              item.innerHTML = `<button type="button" id="in-${name}">${name}</button>`
                + `<a data-note-shortcut href="${href}">Write note</a>`;
              list.appendChild(item);
            }
            document.querySelector("main").prepend(list);
        }"""
        cases = [
            ("focused", True, "#in-focused"),
            ("selected", True, None),
            ("first", False, None),
        ]
        for expected, selected, focus in cases:
            with self.subTest(expected=expected):
                page = self.open("/")
                page.evaluate(build, [links, selected])
                if focus:
                    page.locator(focus).focus()
                page.keyboard.press("n")
                expect(page).to_have_url(re.compile(re.escape(links[expected]) + "$"))
                self.assert_clean(page)

    def test_ctrl_enter_saves_the_note_without_signing_it(self):
        page = self.open(self.new_note_url())
        page.get_by_label("Risk level").select_option(label="None")
        subjective = page.get_by_label("Subjective")
        subjective.fill("Saved from the keyboard.")
        subjective.press("Control+Enter")
        expect(page.get_by_role("heading", name=re.compile("Session of"))).to_be_visible()
        expect(page.get_by_text("saved as a draft")).to_be_visible()
        note = self.notes().get()
        self.assertEqual(note.status, NoteStatus.DRAFT)
        self.assertEqual(note.note["subjective"], "Saved from the keyboard.")
        self.assert_clean(page)

    # --- save and sign -----------------------------------------------------------------------
    def test_save_and_sign_asks_for_confirmation_first(self):
        page = self.open(self.new_note_url())
        page.get_by_label("Risk level").select_option(label="Low")
        page.get_by_label("Subjective").fill("Signed straight from the form.")
        lock = page.get_by_role("button", name="Save, sign and lock")
        expect(lock).to_be_hidden()
        page.get_by_text("Save and sign…").click()
        expect(page.get_by_text("Signing locks this note for good")).to_be_visible()
        self.screenshot(page, "60-save-and-sign-confirmation")
        lock.click()
        expect(page.locator("h1 .badge")).to_have_text("Signed")
        note = self.notes().get()
        self.assertEqual(note.status, NoteStatus.SIGNED)
        self.assertTrue(note.integrity_ok())
        self.assert_clean(page)

    # --- the last session --------------------------------------------------------------------
    def make_last_session(self):
        return make_session(
            self.client_record,
            date=datetime.date(2026, 3, 9),
            plan=LAST_PLAN,
            risk_level="low",
            risk_notes="No current risk; reviewed the safety plan.",
            themes=[
                {"theme": self.rejection.pk, "intensity": 3},
                {"theme": self.pleasing.pk, "intensity": 1},
                {"theme": self.guilt.pk, "intensity": 2},
            ],
        )

    def test_bring_forward_copies_the_plan_after_typed_text_and_fills_only_empty_themes(self):
        self.make_last_session()
        page = self.open(self.new_note_url())
        panel = page.get_by_role("region", name=re.compile("Last session"))
        expect(panel).to_contain_text("Keep a diary of each yes that meant no.")
        expect(panel).to_contain_text("reviewed the safety plan")
        expect(panel).to_contain_text("Maternal rejection")
        plan = page.get_by_label("Plan / homework")
        plan.fill("Typed before bringing forward.")
        panel.get_by_role("button", name="Bring forward plan").click()
        expect(plan).to_have_value("Typed before bringing forward.\n" + LAST_PLAN)
        expect(panel.get_by_role("status")).to_contain_text("added after what you had typed")
        # Pressed again: nothing is doubled.
        panel.get_by_role("button", name="Bring forward plan").click()
        expect(plan).to_have_value("Typed before bringing forward.\n" + LAST_PLAN)

        # A theme already chosen in this note keeps its intensity.
        guilt = page.locator(f"#id_theme_{self.guilt.pk}")
        guilt.evaluate("el => { el.closest('details').open = true; }")
        guilt.select_option(label="Mentioned")
        panel.get_by_role("button", name="Bring forward themes").click()
        expect(page.locator(f"#id_theme_{self.rejection.pk}")).to_have_value("3")
        expect(page.locator(f"#id_theme_{self.pleasing.pk}")).to_have_value("1")
        expect(guilt).to_have_value("1")
        expect(panel.get_by_role("status")).to_contain_text("2 themes brought forward")
        self.screenshot(page, "61-bring-forward")

        page.get_by_label("Risk level").select_option(label="Low")
        page.get_by_role("button", name="Save session").click()
        expect(page.get_by_text("saved as a draft")).to_be_visible()
        saved = self.notes().order_by("-created_at").first()
        # (A browser posts a textarea's line breaks as CRLF.)
        self.assertEqual(
            saved.plan.replace("\r\n", "\n"), "Typed before bringing forward.\n" + LAST_PLAN
        )
        self.assertEqual(
            saved.theme_intensities(),
            {self.rejection.pk: 3, self.pleasing.pk: 1, self.guilt.pk: 1},
        )
        self.assert_clean(page)

    # --- suggestions next to the text on a tablet ---------------------------------------------
    def gap_below(self, page, field_id):
        """How far below the bottom of the field the suggestions panel starts (px), and
        whether it is beside the field instead."""
        return page.evaluate(
            """(id) => {
                const field = document.getElementById(id).getBoundingClientRect();
                const panel = document.getElementById("theme-suggestions").getBoundingClientRect();
                return {below: panel.top - field.bottom, beside: panel.left >= field.right};
            }""",
            field_id,
        )

    def test_on_a_tablet_the_suggestions_follow_the_section_being_typed_in(self):
        page = self.open(self.new_note_url(), TABLET)
        for label, field_id in (
            ("Subjective", "id_section_subjective"),
            ("Assessment", "id_section_assessment"),
        ):
            with self.subTest(section=label):
                field = page.get_by_label(label)
                field.click()
                field.fill(NOTE)
                expect(page.locator("#theme-suggestions .suggestion").first).to_be_visible()
                gap = self.gap_below(page, field_id)
                self.assertFalse(gap["beside"])
                self.assertGreaterEqual(gap["below"], 0)
                self.assertLessEqual(gap["below"], 300, gap)
                field.fill("")
        self.screenshot(page, "62-suggestions-tablet-next-to-text")
        self.assert_clean(page)

    def test_on_a_wide_screen_the_suggestions_stay_beside_the_note_in_view(self):
        page = self.open(self.new_note_url(), {"width": 1280, "height": 800})
        field = page.get_by_label("Assessment")
        field.click()
        field.fill(NOTE)
        suggestions = page.locator("#theme-suggestions")
        expect(suggestions.locator(".suggestion").first).to_be_visible()
        self.assertTrue(self.gap_below(page, "id_section_assessment")["beside"])
        field.scroll_into_view_if_needed()
        page.mouse.wheel(0, 600)
        expect(suggestions).to_be_in_viewport()
        self.assert_clean(page)

    # --- the print view ----------------------------------------------------------------------
    def test_the_print_view_prints_the_note_without_navigation_forms_or_buttons(self):
        note = make_session(self.client_record, plan="Printed plan.")
        page = self.open(f"/sessions/{note.pk}/")
        page.get_by_role("link", name="Print").click()
        expect(
            page.get_by_role("heading", name=f"Session note · {self.client_record.code}")
        ).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("Philippa Aldersgate")
        button = page.get_by_role("button", name="Print")
        expect(button).to_be_visible()
        page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
        button.click()
        self.assertTrue(page.evaluate("() => window.__printed === true"))
        self.assert_clean(page)
        page.emulate_media(media="print")
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        expect(button).to_be_hidden()
        expect(page.get_by_role("search")).to_be_hidden()
        expect(page.locator("article")).to_contain_text("Printed plan.")
        self.screenshot(page, "63-print-view-as-printed")
