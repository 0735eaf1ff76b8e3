"""The idle timeout as a therapist meets it: a warning a minute before, the open note saved,
"Stay signed in" keeping the session, and the sign-in page (with the reason) when it ends.

The timeout is shortened to 75 seconds so that the warning comes 15 seconds after a page loads
(and again 15 seconds after "Stay signed in").
"""

import re
import time

from django.contrib.sessions.models import Session
from django.test import override_settings
from playwright.sync_api import expect

from accounts import policy
from sessions.models import SessionDraft
from tests.base import make_client, make_therapist

from .base import BrowserTestCase, wait_until

TYPED = "Idle-marker-Ж4: she wondered aloud whether anyone would notice if she stopped trying."


@override_settings(SESSION_IDLE_TIMEOUT=75)
class IdleTimeoutTests(BrowserTestCase):
    def setUp(self):
        self.therapist = make_therapist("ida")
        self.client_record = make_client(self.therapist, full_name="Idle Test Client")

    def age_server_session(self, seconds: float) -> None:
        """Make the server's idle clock older, as if nothing had happened for `seconds`."""
        for stored in Session.objects.all():
            data = stored.get_decoded()
            if data.get("_auth_user_id") == str(self.therapist.pk):
                data[policy.LAST_SEEN] = time.time() - seconds
                stored.session_data = Session.objects.encode(data)
                stored.save()

    def test_warning_saves_the_note_then_stay_signed_in_then_sign_out(self):
        page = self.new_page(user=self.therapist)
        page.goto(f"/clients/{self.client_record.pk}/sessions/new/")
        page.get_by_label("Subjective").fill(TYPED)

        warning = page.get_by_role("alertdialog")
        expect(warning).to_be_visible(timeout=20_000)
        expect(warning).to_contain_text("you will be signed out in")
        stay = warning.get_by_role("button", name="Stay signed in")
        expect(stay).to_be_focused()
        self.screenshot(page, "idle-warning")
        self.assert_clean(page)

        # The open note reached the server as a draft while the session was still valid.
        draft = wait_until(
            lambda: SessionDraft.objects.filter(author=self.therapist).first(),
            message="the draft saved at the warning",
        )
        self.assertIn(TYPED, str(draft.payload))

        stay.click()
        expect(warning).to_be_hidden()
        # The server counted it as activity: the whole timeout is left again.
        session = next(
            s.get_decoded()
            for s in Session.objects.all()
            if s.get_decoded().get("_auth_user_id") == str(self.therapist.pk)
        )
        self.assertLess(time.time() - session[policy.LAST_SEEN], 30)
        self.assertEqual(page.get_by_label("Subjective").input_value(), TYPED)

        # Nothing more happens; the server's clock runs out first.
        self.age_server_session(75)
        expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=20_000)
        expect(
            page.get_by_text("You were signed out after 1 minute without activity")
        ).to_be_visible()
        self.screenshot(page, "idle-signed-out")
        # The draft is still there for the next sign-in.
        self.assertTrue(SessionDraft.objects.filter(author=self.therapist).exists())
