"""Theme suggestions and risk notices in the browser, at tablet widths: dismiss one (and it stays
dismissed after the page is reopened from its autosave), accept all at a chosen intensity, mark
one not for this client, and see risk as red only when it is current."""

import re

from playwright.sync_api import expect

from sessions.models import SessionDraft
from tests.base import make_client, make_therapist
from themes.models import Theme
from themes.suggest.service import excluded_theme_ids

from .base import BrowserTestCase, wait_until

NOTE = (
    "She described her mother as dismissive whenever she phoned. At home she works "
    "hard to please her partner and rarely says what she needs."
)
TABLETS = {"portrait": {"width": 768, "height": 1024}, "landscape": {"width": 1024, "height": 768}}


class SuggestionPanelTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("fern")
        self.client_record = make_client(self.user, full_name="Ottilie Brandvold")
        self.rejection = Theme.objects.get(slug="maternal-rejection")
        self.pleasing = Theme.objects.get(slug="people-pleasing")

    def last_autosave(self) -> dict:
        draft = (
            SessionDraft.objects.filter(author=self.user, client=self.client_record)
            .order_by("-saved_at")
            .first()
        )
        return draft.payload if draft else {}

    def open_form(self, viewport):
        page = self.new_context(user=self.user).new_page()
        page.set_viewport_size(viewport)
        self.watch_errors(page)
        page.goto(f"/clients/{self.client_record.pk}/sessions/new/")
        return page

    def suggestion(self, page, name):
        return page.locator("#theme-suggestions .suggestion", has_text=name)

    def assert_no_sideways_scroll(self, page):
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        self.assertLessEqual(overflow, 0)

    def test_dismiss_accept_all_and_reopen_at_tablet_widths(self):
        for orientation, viewport in TABLETS.items():
            with self.subTest(orientation=orientation):
                # A client of its own: the last page's closing beacon must not restore here.
                self.client_record = make_client(self.user, full_name=f"Client {orientation}")
                self.dismiss_accept_all_and_reopen(viewport, orientation)

    def dismiss_accept_all_and_reopen(self, viewport, orientation):
        page = self.open_form(viewport)
        page.get_by_label("Subjective").fill(NOTE)
        rejection = self.suggestion(page, "Maternal rejection")
        pleasing = self.suggestion(page, "People-pleasing")
        expect(rejection).to_be_visible()
        expect(pleasing).to_be_visible()
        expect(rejection).to_contain_text("mother as dismissive")
        # Stacked below the note on a portrait tablet: the note section points to them.
        jump = page.locator("#suggest-jump")
        if viewport["width"] < 992:
            expect(jump).to_contain_text("themes suggested from your note")
            jump.get_by_role("link").click()
            expect(rejection).to_be_in_viewport()
        else:
            expect(jump).to_be_hidden()
        rejection.get_by_role("button", name="Accept").scroll_into_view_if_needed()
        self.assert_no_sideways_scroll(page)
        self.screenshot(page, f"40-suggestions-{orientation}")

        rejection.get_by_role("button", name="Dismiss").click()
        expect(rejection).to_have_count(0)
        hidden = page.locator("input[name=dismissed_themes]")
        expect(hidden).to_have_value(str(self.rejection.pk))
        expect(page.locator("#suggest-status")).to_contain_text("not be suggested again")

        # Accept all the rest as Explored: each keeps the phrase that suggested it.
        suggestions = page.locator("#theme-suggestions")
        shown = suggestions.locator(".suggestion").count()
        if shown >= 2:
            suggestions.get_by_label("Accept all as").select_option(label="Explored")
            suggestions.get_by_role("button", name="Accept all").click()
        else:
            pleasing.get_by_label("Intensity").select_option(label="Explored")
            pleasing.get_by_role("button", name="Accept").click()
        expect(page.locator(f"#id_theme_{self.pleasing.pk}")).to_have_value("2")
        expect(page.locator(f"input[name=evidence_{self.pleasing.pk}]")).to_have_value(
            re.compile("please her partner")
        )
        expect(page.locator(f"#id_theme_{self.rejection.pk}")).to_have_value("")
        expect(suggestions).to_be_hidden()
        expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved at \d"))
        self.assert_clean(page)

        # Reopened (a closed tab, a crash): the dismissal comes back with the autosave. The
        # status above may still show an earlier save: wait until the server holds the last one.
        wait_until(
            lambda: (
                self.last_autosave().get("dismissed_themes") == str(self.rejection.pk)
                and self.last_autosave().get(f"theme_{self.pleasing.pk}") == "2"
            ),
            message="the autosave holding the accepted and dismissed themes",
        )
        page.reload()
        expect(page.locator("#autosave-status")).to_have_text("Autosaved text restored")
        expect(page.get_by_label("Subjective")).to_have_value(NOTE)
        expect(page.locator("input[name=dismissed_themes]")).to_have_value(str(self.rejection.pk))
        # Typing more asks again: maternal rejection still is not offered.
        page.get_by_label("Subjective").press("End")
        page.get_by_label("Subjective").type(" Her mother was dismissive again.")
        page.wait_for_timeout(2500)
        expect(self.suggestion(page, "Maternal rejection")).to_have_count(0)
        # Undo: the dismissed theme may be suggested again.
        page.get_by_role("button", name="Suggest the dismissed themes again").click()
        expect(self.suggestion(page, "Maternal rejection")).to_be_visible()
        expect(page.locator("input[name=dismissed_themes]")).to_have_value("")
        self.assert_clean(page)

    def test_not_for_this_client_from_a_suggestion(self):
        page = self.open_form(TABLETS["landscape"])
        page.get_by_label("Subjective").fill(NOTE)
        rejection = self.suggestion(page, "Maternal rejection")
        rejection.get_by_role("button", name="Not for this client").click()
        expect(rejection).to_have_count(0)
        expect(page.locator("#suggest-status")).to_contain_text("no longer be suggested")
        wait_until(
            lambda: excluded_theme_ids(self.client_record) == [self.rejection.pk],
            message="the exclusion stored",
        )
        # Not a dismissal of this note only: the hidden list is untouched.
        expect(page.locator("input[name=dismissed_themes]")).to_have_value("")
        self.assert_clean(page)

    def test_risk_is_red_only_when_current(self):
        page = self.open_form(TABLETS["portrait"])
        risk = page.locator("#risk-prompts")
        page.get_by_label("Risk notes").fill("Client denies SI/HI.")
        expect(risk.locator(".risk-notice").first).to_be_visible()
        expect(risk).to_contain_text("Risk assessed: suicidal thoughts denied")
        expect(risk).to_contain_text("denies SI")
        expect(risk.locator(".alert-danger")).to_have_count(0)
        expect(risk.locator("[role=alert]")).to_have_count(0)
        expect(risk).to_contain_text("Choose a risk level for this session.")
        self.screenshot(page, "41-risk-denied-neutral")

        page.get_by_label("Subjective").fill("She plans to end her life this weekend.")
        danger = risk.locator(".alert-danger")
        expect(danger).to_have_count(1)
        expect(danger).to_contain_text("Current risk in this note: Suicidal thoughts")
        expect(danger).to_contain_text("end her life")
        expect(risk).to_contain_text("Risk assessed")  # the denial stays, neutral
        self.assert_no_sideways_scroll(page)
        self.screenshot(page, "42-risk-current-red")
        self.assert_clean(page)
