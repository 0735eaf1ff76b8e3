"""The calendar feed page in a browser (issue 15, item 3): a new address is shown once, the
Copy button (static JavaScript, allowed by the CSP) puts it on the clipboard, and the address
serves the feed; the page passes axe."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from appointments.services import Details, schedule
from tests.base import make_client, make_therapist

from .base import BrowserTestCase


class CalendarFeedPageTests(BrowserTestCase):
    def test_make_an_address_copy_it_and_fetch_the_feed(self):
        alice = make_therapist("alice")
        client = make_client(alice, full_name="Feed Browser Client")
        start = timezone.now() + datetime.timedelta(days=1)
        schedule(therapist=alice, client=client, start=start, details=Details())
        context = self.new_context(user=alice)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        self.watch_errors(page)
        page.goto("/accounts/2fa/manage/")
        page.get_by_role("link", name="Calendar subscription").click()
        expect(page.locator("#feed-state")).to_have_text("Off")
        page.get_by_role("button", name="Make a new address").click()
        field = page.get_by_label("Subscription address")
        address = field.input_value()
        self.assertRegex(address, r"^http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{43}\.ics$")
        page.get_by_role("button", name="Copy").click()
        expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
        self.assertEqual(page.evaluate("() => navigator.clipboard.readText()"), address)
        self.assert_clean(page)
        response = context.request.get(address)
        self.assertEqual(response.status, 200)
        self.assertIn("SUMMARY:C-0001", response.text())
        self.assertNotIn("Feed Browser Client", response.text())
        # Reloaded, the page no longer shows the address.
        page.goto("/appointments/feed/")
        self.assertNotIn(address, page.content())
        expect(page.locator("#feed-state")).to_contain_text("On, at an address made on")

    def test_the_page_with_a_new_address_passes_axe(self):
        alice = make_therapist("alice")
        page = self.new_context(user=alice, bypass_csp=True).new_page()  # axe is injected
        page.goto("/appointments/feed/")
        page.get_by_role("button", name="Make a new address").click()
        expect(page.get_by_role("button", name="Copy")).to_be_visible()
        violations = self.axe_violations(page)
        self.assertEqual(violations, [], self.describe_violations("feed", page.url, violations))
