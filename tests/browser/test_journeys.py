"""The main journeys, as a therapist does them in a browser: first sign-in with the 2FA set-up,
a later sign-in, and a client's record from the first session to the case summary PDF."""

import io
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.testing import totp_device, unused_code
from sessions.models import SessionDraft, TherapySession
from tests.base import PASSWORD, make_therapist

from .base import BrowserTestCase, totp_code_from_secret, wait_until

NOTE_OPENING = "She said her mother never accepted her, whatever she did."
NOTE_BEACON = "Left the room with plan-marker-Ω7 in mind."
ADDENDUM = "Addendum-marker-Ψ3: the client phoned to correct the date of the move."


class SignInJourneyTests(BrowserTestCase):
    def test_first_sign_in_sets_up_two_factor_then_a_later_sign_in_asks_for_a_code(self):
        user = make_therapist("dana", last_name="Okafor")
        page = self.new_page()

        # Step one: the password.
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        self.screenshot(page, "01-sign-in")
        page.get_by_label("Username").fill("dana")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        # First sign-in: set up the authenticator.
        expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/"))
        expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
        expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
        self.screenshot(page, "02-two-factor-setup")
        self.assert_clean(page)
        secret = page.locator("#totp-secret").inner_text()
        self.assertRegex(secret, r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$")
        page.get_by_label("Code from the app").fill(totp_code_from_secret(secret))
        page.get_by_role("button", name="Confirm").click()

        # The backup codes, shown once.
        expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
        expect(page.get_by_text("Two-factor sign-in is set up.")).to_be_visible()
        codes = page.get_by_role("list", name="Backup codes").get_by_role("listitem")
        expect(codes).to_have_count(10)
        self.assertRegex(codes.first.inner_text(), r"^[a-z2-9]{5}-[a-z2-9]{5}$")
        self.screenshot(page, "03-backup-codes")
        page.get_by_role("link", name="I have saved them, continue").click()

        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        self.assert_clean(page)
        self.assertTrue(totp_device(user).confirmed)

        # Sign out from the user menu.
        page.get_by_role("button", name="Dana Okafor").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/accounts/login/"))

        # A later sign-in: password, then the app's code.
        page.get_by_label("Username").fill("dana")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        self.screenshot(page, "04-two-factor-verify")

        # A wrong code is refused with a message, and the form stays.
        page.get_by_label("Code").fill("000000")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("That code is not right")).to_be_visible()

        # django-otp throttles a device for a moment after a wrong code; a person takes longer
        # than that to type the next one.
        wait_until(
            lambda: totp_device(user).verify_is_allowed()[0], message="the 2FA throttle to end"
        )
        page.get_by_label("Code").fill(unused_code(totp_device(user)))
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        self.screenshot(page, "05-dashboard-empty")
        self.assert_clean(page)
        self.assertEqual(get_user_model().objects.get(pk=user.pk).username, "dana")


class ClientRecordJourneyTests(BrowserTestCase):
    def test_from_a_new_client_to_a_signed_note_search_timeline_and_case_summary(self):
        user = make_therapist("erin", last_name="Marsh")
        context = self.new_context(user=user)
        page = context.new_page()
        self.watch_errors(page)

        # Add a client.
        page.goto("/")
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New client").click()
        expect(page.get_by_role("heading", name="New client")).to_be_visible()
        page.get_by_label("Full name").fill("Marguerite Lindqvist")
        page.get_by_label("Preferred name").fill("Maggie")
        page.get_by_label("Pronouns").fill("she/her")
        page.get_by_label("Presenting concerns").fill("Low mood since the birth of her daughter.")
        self.screenshot(page, "10-new-client")
        page.get_by_role("button", name="Add client").click()
        expect(page.get_by_role("heading", name=re.compile("Marguerite Lindqvist"))).to_be_visible()
        self.screenshot(page, "11-client-detail-new")
        self.assert_clean(page)
        client_url = page.url

        # Log a session: type the note, accept a suggested theme, choose another by hand.
        page.get_by_role("link", name="Log session").first.click()
        expect(page.get_by_role("heading", name=re.compile("Log session"))).to_be_visible()
        page.get_by_label("Subjective").fill(NOTE_OPENING)
        suggestions = page.locator("#theme-suggestions")
        maternal = suggestions.locator(".suggestion", has_text="Maternal rejection")
        expect(maternal).to_be_visible()
        expect(maternal).to_contain_text("mother never accepted")
        self.screenshot(page, "12-session-form-suggestion")
        maternal.get_by_role("button", name="Accept").click()
        expect(page.get_by_label("Maternal rejection")).to_have_value("1")
        expect(page.get_by_label("Maternal rejection")).to_be_visible()
        expect(maternal).to_have_count(0)
        page.locator("summary", has_text="Relational patterns").click()
        page.get_by_label("People-pleasing").select_option(label="Explored")
        page.get_by_label("Plan / homework").fill("Notice the moments she says yes to be liked.")
        page.get_by_label("Risk level").select_option(label="Low")
        page.get_by_label("Risk notes").fill("No thoughts of self-harm; supportive partner.")
        expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved at \d"))

        # Close the tab mid-sentence: the last words go as a beacon, and nothing is lost.
        page.get_by_label("Assessment").fill(NOTE_BEACON)
        page.on("dialog", lambda dialog: dialog.accept())
        page.close(run_before_unload=True)
        draft = wait_until(
            lambda: next(
                (
                    d
                    for d in SessionDraft.objects.filter(author=user)
                    if NOTE_BEACON in str(d.payload)
                ),
                None,
            ),
            message="the autosave beacon sent as the tab closed",
        )
        self.assertIn(NOTE_OPENING, str(draft.payload))

        page = context.new_page()
        self.watch_errors(page)
        page.goto("/")
        unsaved = page.get_by_role("region", name="Autosaved text not yet saved into a note")
        expect(unsaved).to_contain_text("Marguerite Lindqvist")
        self.screenshot(page, "13-dashboard-unsaved-draft")
        unsaved.get_by_role("link", name="continue").click()
        expect(page.locator("#autosave-status")).to_have_text("Autosaved text restored")
        expect(page.get_by_label("Subjective")).to_have_value(NOTE_OPENING)
        expect(page.get_by_label("Assessment")).to_have_value(NOTE_BEACON)
        expect(page.get_by_label("Maternal rejection")).to_have_value("1")
        expect(page.get_by_label("People-pleasing")).to_have_value("2")
        expect(page.get_by_label("Risk level")).to_have_value("low")
        self.screenshot(page, "14-session-form-restored")
        self.assert_clean(page)
        page.get_by_role("button", name="Save session").click()

        # The saved draft note, then signing it (with the confirmation step).
        expect(page.get_by_role("heading", name=re.compile("Session of"))).to_be_visible()
        expect(page.get_by_text("saved as a draft")).to_be_visible()
        themes = page.get_by_role("region", name="Themes")
        expect(themes).to_contain_text("Maternal rejection")
        expect(themes).to_contain_text("People-pleasing")
        expect(page.get_by_role("article", name="Progress note")).to_contain_text(NOTE_BEACON)
        self.screenshot(page, "15-session-detail-draft")
        sign_and_lock = page.get_by_role("button", name="Sign and lock")
        expect(sign_and_lock).to_be_hidden()
        page.get_by_text("Sign note…").click()
        expect(page.get_by_text("Signing locks this note for good")).to_be_visible()
        self.screenshot(page, "16-sign-confirmation")
        sign_and_lock.click()
        expect(page.locator("h1 .badge")).to_have_text("Signed")
        expect(page.get_by_role("link", name="Edit")).to_have_count(0)
        session = TherapySession.objects.get(client__therapist=user)
        self.assertTrue(session.is_signed)

        # An addendum.
        page.get_by_label("Addendum").fill(ADDENDUM)
        page.get_by_text("Add and sign addendum…").click()  # the confirmation step
        page.get_by_role("button", name="Sign and add addendum").click()
        addenda = page.get_by_role("region", name="Addenda")
        expect(addenda).to_contain_text(ADDENDUM)
        expect(addenda).to_contain_text("Addendum signed by Erin Marsh")
        self.screenshot(page, "17-session-signed-addendum")
        self.assert_clean(page)

        # Search from the top bar (whatever method the form uses).
        search_box = page.get_by_role("search").get_by_label("Search notes")
        search_box.fill("mother accepted")
        search_box.press("Enter")
        expect(page.get_by_role("heading", name="Search notes")).to_be_visible()
        expect(page.get_by_text("1 session found.")).to_be_visible()
        result = page.locator(".search-result")
        expect(result).to_have_count(1)
        expect(result).to_contain_text("Marguerite Lindqvist")
        expect(result).to_contain_text("Signed")
        self.screenshot(page, "18-search-results")
        self.assert_clean(page)
        result.get_by_role("link").click()
        expect(page.get_by_role("heading", name=re.compile("Session of"))).to_be_visible()

        # The client's theme timeline and heat strip.
        page.goto(client_url)
        expect(page.get_by_role("region", name="Recurring themes")).to_contain_text(
            "Maternal rejection"
        )
        self.screenshot(page, "19-client-detail-with-session")
        page.get_by_role("link", name="Theme timeline").click()
        expect(page.get_by_role("heading", name=re.compile("Theme timeline"))).to_be_visible()
        strip = page.locator("svg.heat-strip")
        expect(strip).to_be_visible()
        expect(strip.locator("g.theme-row")).to_have_count(2)
        expect(strip.locator("rect.cell")).to_have_count(2)
        stats = page.locator("table.theme-stats")
        expect(stats).to_contain_text("Maternal rejection")
        expect(stats).to_contain_text("People-pleasing")
        self.screenshot(page, "20-theme-timeline")
        self.assert_clean(page)

        # A case summary PDF, through the client's "More" menu.
        page.goto(client_url)
        page.get_by_role("button", name="More").click()
        page.get_by_role("link", name="Case summary").click()
        expect(page.get_by_role("heading", name=re.compile("Case summary of"))).to_be_visible()
        self.screenshot(page, "21-case-summary-form")
        self.assert_clean(page)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download summary").click()
        download = download_info.value
        self.assertTrue(download.suggested_filename.endswith(".pdf"), download.suggested_filename)
        data = Path(download.path()).read_bytes()
        self.assertEqual(data[:5], b"%PDF-")
        text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
        flat = " ".join(text.split())
        self.assertIn("mother never accepted her", flat)
        self.assertIn("plan-marker-Ω7", flat)
        self.assertIn("Maternal rejection", flat)
