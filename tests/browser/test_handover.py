"""Hand-over mode and the one-time link in a real browser: Chromium sends the forms of these
pages with the referrer policy they set, and Django's CSRF check reads the Origin header that
policy gives. A policy of "no-referrer" made Chromium send ``Origin: null`` and every answer was
refused (403), the therapist locked out of the locked screen; these journeys send every form.

Also: a tab of the therapist's left open on a note while the device is handed over goes to the
locked screen when it is looked at again, and what the client types there is never sent."""

import datetime
import re

from django.test import override_settings
from playwright.sync_api import expect

from measures import services
from measures.models import Administration
from sessions.models import SessionDraft
from tests.base import PASSWORD, make_client, make_therapist

from .base import BrowserTestCase

GAD7_ANSWERS = ["Nearly every day", "More than half the days", "Several days", "Not at all"] * 2


def answer_every_item(page, answers) -> None:
    """Click one answer in every item of the questionnaire on the page (in order)."""
    items = page.locator("fieldset.measure-item")
    count = items.count()
    for index in range(count):
        items.nth(index).get_by_text(answers[index], exact=True).click()


def hand_over(page) -> None:
    """ "Hand to client" for the GAD-7, on a client's measures page."""
    page.locator("#measure-gad7").get_by_role("button", name="Hand to client").click()


class HandOverJourneyTests(BrowserTestCase):
    def setUp(self):
        self.therapist = make_therapist("hanna")
        self.client_record = make_client(self.therapist, full_name="Handover Test Client")
        # A GAD-7 of 3 a month ago: the measures page then offers "Hand to client" for it.
        services.record_administration(
            client=self.client_record,
            measure_slug="gad7",
            answers=dict.fromkeys(range(1, 8), 0) | {1: 3},
            administered_on=datetime.date(2026, 1, 5),
            user=self.therapist,
        )

    def measures_url(self) -> str:
        return f"/measures/clients/{self.client_record.pk}/"

    def test_hand_over_answer_lock_and_unlock(self):
        page = self.new_page(user=self.therapist)
        page.goto(self.measures_url())
        expect(page.locator("#measure-gad7")).to_contain_text("Latest: 3")
        hand_over(page)

        # The questionnaire only: no name, no code.
        expect(page).to_have_url(re.compile(r"/measures/hand-over/$"))
        expect(page.get_by_role("heading", name="GAD-7")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(self.client_record.code)
        answer_every_item(page, GAD7_ANSWERS)
        page.get_by_role("button", name="Send my answers").click()

        # Stored (the CSRF check let the browser's post through), and the device locked.
        expect(page).to_have_url(re.compile(r"/measures/hand-over/locked/$"))
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        self.assertEqual(Administration.objects.count(), 2)
        self.assert_clean(page)
        self.screenshot(page, "handover-locked")

        # A wrong password: still locked.
        password = page.get_by_label("Therapist: your password, to take the device back")
        password.fill("not-the-password")
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_role("alert")).to_contain_text("That is not the password")
        expect(page).to_have_url(re.compile(r"/measures/hand-over/locked/$"))
        page.goto("/clients/")
        expect(page).to_have_url(re.compile(r"/measures/hand-over/locked/$"))

        # The right one: back on the client's measures, the new score shown.
        page.get_by_label("Therapist: your password, to take the device back").fill(PASSWORD)
        page.get_by_role("button", name="Unlock").click()
        expect(page).to_have_url(re.compile(re.escape(self.measures_url()) + "$"))
        # Items 1-7 answered 3, 2, 1, 0, 3, 2, 1.
        expect(
            page.get_by_text("Questionnaire completed by the client: GAD-7 12 (Moderate).")
        ).to_be_visible()
        expect(page.locator("#measure-gad7")).to_contain_text("Latest: 12 (Moderate)")
        self.assert_clean(page)

    def open_note(self, context):
        note = context.new_page()
        self.watch_errors(note)
        note.goto(f"/clients/{self.client_record.pk}/sessions/new/")
        expect(note.get_by_label("Subjective")).to_be_visible()
        return note

    def hand_over_in_another_tab(self, context):
        tablet = context.new_page()
        tablet.goto(self.measures_url())
        hand_over(tablet)
        expect(tablet).to_have_url(re.compile(r"/measures/hand-over/$"))
        return tablet

    def drafts_text(self) -> str:
        return " ".join(str(draft.payload) for draft in SessionDraft.objects.all())

    def test_another_tab_on_a_note_is_replaced_by_the_locked_screen(self):
        context = self.new_context(user=self.therapist)
        note = self.open_note(context)
        entries = note.evaluate("() => history.length")
        self.hand_over_in_another_tab(context)
        # The client turns to the note's tab: the locked screen is there instead (the tab
        # heard the hand-over page open, or asks the idle clock when it is shown).
        note.bring_to_front()
        expect(note).to_have_url(re.compile(r"/measures/hand-over/locked/$"))
        expect(note.locator("body")).not_to_contain_text(self.client_record.code)
        expect(note.locator("body")).not_to_contain_text("Handover Test Client")
        # Replaced, not left: Back does not bring the note back.
        self.assertEqual(note.evaluate("() => history.length"), entries)

    def test_text_typed_in_another_tab_during_hand_over_is_never_sent(self):
        context = self.new_context(user=self.therapist)
        note = self.open_note(context)
        # This tab's idle clock is told nothing of the hand-over (as an older page would be):
        # autosave alone must notice.
        note.route(
            "**/accounts/session/status/", lambda route: route.fulfill(json={"seconds_left": 900})
        )
        note.get_by_label("Subjective").fill("The therapist's own words before the hand-over.")
        expect(note.locator("#autosave-status")).to_have_text(re.compile(r"Saved at \d"))
        tablet = self.hand_over_in_another_tab(context)

        note.bring_to_front()
        note.get_by_label("Subjective").fill("Typed by the client while handed over.")
        # The autosave is refused (403, hand-over) and the tab shows the locked screen.
        expect(note).to_have_url(re.compile(r"/measures/hand-over/locked/$"), timeout=15_000)

        tablet.bring_to_front()
        tablet.get_by_role("button", name="Stop and give the device back").click()
        tablet.get_by_label("Therapist: your password, to take the device back").fill(PASSWORD)
        tablet.get_by_role("button", name="Unlock").click()
        expect(tablet).to_have_url(re.compile(re.escape(self.measures_url()) + "$"))
        # Nothing was kept to send after the unlock.
        tablet.goto("/")
        self.assertIn("The therapist's own words before the hand-over.", self.drafts_text())
        self.assertNotIn("Typed by the client", self.drafts_text())


@override_settings(MEASURES_CLIENT_LINKS=True)
class LinkJourneyTests(BrowserTestCase):
    def setUp(self):
        self.therapist = make_therapist("lina")
        self.client_record = make_client(self.therapist, full_name="Link Test Client")

    def test_the_client_fills_in_the_link_in_a_browser(self):
        _link, token = services.create_link(
            client=self.client_record, measure_slug="gad7", user=self.therapist
        )
        page = self.new_page()  # the client's own browser: signed in to nothing
        page.goto(f"/q/{token}/")
        expect(page.get_by_role("heading", name="GAD-7")).to_be_visible()
        answer_every_item(page, GAD7_ANSWERS)
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
        stored = Administration.objects.get()
        self.assertEqual((stored.measure, stored.source, stored.total), ("gad7", "link", 12))
        self.assert_clean(page)
