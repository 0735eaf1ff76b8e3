"""The calendar import in a browser (issue 15, item 3): upload an .ics, give the unmatched
group a client, press Import; the events are posted in chunks by static/js/calendar_import.js
while a <progress> bar follows, and the week opens when it is done. The review page passes
axe and has no unlabelled control."""

import datetime
import json

from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from tests.base import make_client, make_therapist

from .base import BrowserTestCase

# What the page showed when it navigated away (the bar, the status line), kept across the
# navigation in sessionStorage.
REMEMBER_THE_BAR = """
window.addEventListener("pagehide", function () {
  var bar = document.getElementById("import-bar");
  if (!bar) { return; }
  sessionStorage.setItem("import-bar", JSON.stringify({
    value: bar.value, max: bar.max, shown: !bar.closest("[hidden]"),
    status: document.getElementById("import-status").textContent
  }));
});
"""
WEEKS = 300  # 2 clients' weekly series + one unmatched: 1,200 events, three chunks of 500


def calendar_file() -> bytes:
    first = timezone.localdate() - datetime.timedelta(days=300)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//browser//EN"]
    for index, (title, hour) in enumerate(
        [("C-0001 weekly", 9), ("Bea Lindgren", 11), ("Supervision", 14), ("Dentist", 16)]
    ):
        lines += [
            "BEGIN:VEVENT",
            f"UID:series-{index}@browser",
            f"DTSTART;TZID=Europe/London:{first:%Y%m%d}T{hour:02d}0000",
            f"DTEND;TZID=Europe/London:{first:%Y%m%d}T{hour:02d}5000",
            f"SUMMARY:{title}",
            f"RRULE:FREQ=DAILY;INTERVAL=1;COUNT={WEEKS}",
            "END:VEVENT",
        ]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


class CalendarImportPageTests(BrowserTestCase):
    def setUp(self):
        self.alice = make_therapist("alice")
        self.anna = make_client(self.alice, full_name="Anna Browser")  # C-0001
        self.bea = make_client(self.alice, full_name="Bea Lindgren")

    def upload(self, page):
        page.goto("/appointments/import/")
        page.get_by_label("Calendar file (.ics)").set_input_files(
            {"name": "calendar.ics", "mimeType": "text/calendar", "buffer": calendar_file()}
        )
        page.get_by_role("button", name="Upload and review").click()
        expect(page.get_by_role("heading", name="Review the calendar import")).to_be_visible()

    def test_import_with_a_progress_bar(self):
        context = self.new_context(user=self.alice)
        context.add_init_script(REMEMBER_THE_BAR)
        page = context.new_page()
        self.watch_errors(page)
        chunks = []

        def note_chunk(request):
            if request.method == "POST" and 'name="limit"' in (request.post_data or ""):
                chunks.append(request.url)

        page.on("request", note_chunk)
        self.upload(page)
        expect(page.locator("#import-summary")).to_contain_text("600 matched")
        page.get_by_label("Supervision").select_option(label=f"{self.bea.code} · Bea Lindgren")
        self.assert_clean(page)
        page.get_by_role("button", name="Import").click()
        page.wait_for_url("**/appointments/")
        self.assertEqual(len(chunks), 3)
        shown = json.loads(page.evaluate("() => sessionStorage.getItem('import-bar')"))
        self.assertEqual(shown["shown"], True)
        self.assertEqual((shown["value"], shown["max"]), (1200, 1200))
        self.assertIn("900 appointments added", shown["status"])
        self.assertIn("300 not imported", shown["status"])
        self.assertEqual(Appointment.objects.filter(client=self.anna).count(), 300)
        self.assertEqual(Appointment.objects.filter(client=self.bea).count(), 600)

    def test_the_review_page_passes_axe(self):
        page = self.new_context(user=self.alice, bypass_csp=True).new_page()  # axe is injected
        self.upload(page)
        self.assertEqual(self.unlabelled_controls(page), [])
        violations = self.axe_violations(page)
        self.assertEqual(violations, [], self.describe_violations("review", page.url, violations))
