"""*Show more* on the client page in a real browser (Debian's chromium): reached and followed
with the keyboard alone, the next sessions listed, the keyboard carrying on from the first of
them; no serious axe-core violation on the page with the link."""

import datetime

from django.urls import reverse

from sessions.models import TherapySession
from sessions.services import import_sessions
from tests.base import make_client, make_therapist
from tests.browser import base

FIRST_DAY = datetime.date(2025, 1, 6)


class ShowMoreInBrowserTests(base.BrowserTestCase):
    def setUp(self):
        self.therapist = make_therapist("kit")
        self.client_record = make_client(self.therapist, full_name="Keyboard Only")
        self.sessions = [
            TherapySession(
                client=self.client_record,
                date=FIRST_DAY + datetime.timedelta(weeks=index),
                start_time=datetime.time(10, 0),
                note={"subjective": f"Week {index}."},
            )
            for index in range(30)
        ]
        import_sessions(sessions=self.sessions)

    def test_show_more_is_reached_and_followed_with_the_keyboard(self):
        from playwright.sync_api import expect

        page = self.new_page(user=self.therapist, bypass_csp=True)
        address = reverse("client_detail", args=[self.client_record.pk])
        page.goto(address)
        expect(page.locator("tr[id^=session-]")).to_have_count(25)
        violations = self.axe_violations(page)
        self.assertEqual(violations, [], self.describe_violations("client", page.url, violations))
        for _press in range(200):
            page.keyboard.press("Tab")
            if self.focus_state(page).get("description", "").endswith("Show 5 more sessions"):
                break
        else:
            self.fail("Tab never reached the Show more link")
        self.assertTrue(self.focus_state(page)["visible"], "the focused link shows no focus")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{address}?sessions=50#session-26")
        expect(page.locator("tr[id^=session-]")).to_have_count(30)
        self.assertEqual(page.get_by_role("link", name="more session").count(), 0)
        # The keyboard carries on from the first session added (the link's anchor).
        page.keyboard.press("Tab")
        newest_added = self.sessions[30 - 26].get_absolute_url()
        self.assertEqual(
            page.evaluate("() => document.activeElement.getAttribute('href')"), newest_added
        )
        self.assert_clean(page)
