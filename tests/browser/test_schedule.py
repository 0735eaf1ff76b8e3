"""The schedule in a browser: booking on the week view with the keyboard alone, a weekly series
moved from one appointment on ("this and the following"), `n` on the dashboard opening the note
of the selected appointment, and a clash booked with a warning."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from appointments import clock, services
from appointments.models import Appointment, Series
from tests.base import make_client, make_therapist

from .base import BrowserTestCase

DASH = "\u2013"  # between a start and an end time, as the week shows them


def week_url(day: datetime.date) -> str:
    return f"/appointments/?week={day.isoformat()}"


class ScheduleTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("wren", last_name="Okafor")
        self.philippa = make_client(self.user, full_name="Philippa Aldersgate")
        self.tomasz = make_client(self.user, full_name="Tomasz Wrona")
        self.now = clock.local(timezone.now())
        self.next_monday = clock.week_start(self.now.date()) + datetime.timedelta(days=7)

    def open(self, path, **options):
        page = self.new_context(user=self.user, **options).new_page()
        self.watch_errors(page)
        page.goto(path)
        return page

    def day(self, page, day: datetime.date):
        return page.locator(f"section[aria-labelledby='day-{day.isoformat()}']")

    def book(self, client, start, **details):
        return services.schedule(
            therapist=self.user, client=client, start=start, details=services.Details(**details)
        )[0]

    # --- the keyboard alone ---------------------------------------------------------------------

    def tab_to(self, page, element_id: str, *, limit: int = 80) -> None:
        """Tab until the element `element_id` has the focus; each stop shows its focus."""
        for _ in range(limit):
            page.keyboard.press("Tab")
            state = self.focus_state(page)
            self.assertTrue(state["focused"], f"focus lost on the way to #{element_id}")
            self.assertTrue(state["visible"], f"focus not visible on {state['description']}")
            if page.evaluate("() => document.activeElement.id") == element_id:
                return
        self.fail(f"#{element_id} not reached with {limit} presses of Tab")

    @staticmethod
    def date_keys(page, day: datetime.date) -> str:
        """The digits to type into a date field for `day`, in the order of the browser's
        language (the field's own: month first in American English, day first in British)."""
        order = page.evaluate(
            """() => new Intl.DateTimeFormat(undefined, {year: "numeric", month: "2-digit",
                 day: "2-digit"}).formatToParts(new Date(2026, 11, 16))
                 .map((part) => part.type).filter((type) => type !== "literal")"""
        )
        digits = {"year": f"{day.year:04d}", "month": f"{day.month:02d}", "day": f"{day.day:02d}"}
        return "".join(digits[part] for part in order)

    def test_booking_with_the_keyboard_alone(self):
        page = self.open(week_url(self.next_monday))
        wednesday = self.next_monday + datetime.timedelta(days=2)

        self.tab_to(page, "id_client")
        for _ in range(5):
            if page.evaluate("() => document.activeElement.value") == str(self.philippa.pk):
                break
            page.keyboard.press("ArrowDown")
        expect(page.locator("#id_client")).to_have_value(str(self.philippa.pk))
        self.tab_to(page, "id_date")
        page.keyboard.type(self.date_keys(page, wednesday))
        expect(page.locator("#id_date")).to_have_value(wednesday.isoformat())
        self.tab_to(page, "id_time")
        page.keyboard.type("1430")
        expect(page.locator("#id_time")).to_have_value("14:30")
        self.tab_to(page, "id_duration_minutes")
        page.keyboard.press("Control+A")
        page.keyboard.type("45")
        self.tab_to(page, "id_modality")
        page.keyboard.press("ArrowDown")  # in person -> video
        expect(page.locator("#id_modality")).to_have_value("video")
        self.tab_to(page, "id_location")
        page.keyboard.type("Room 3")
        page.keyboard.press("Enter")

        expect(page.get_by_text(f"Booked {self.philippa.code} on Wed")).to_be_visible()
        cell = self.day(page, wednesday)
        expect(cell).to_contain_text(f"14:30{DASH}15:15")
        expect(cell).to_contain_text("Philippa Aldersgate")
        expect(self.day(page, self.next_monday)).to_contain_text("Nothing booked.")
        self.assert_clean(page)
        appointment = Appointment.objects.get(client=self.philippa)
        self.assertEqual(appointment.start, clock.aware(wednesday, datetime.time(14, 30)))
        self.assertEqual(appointment.duration_minutes, 45)
        self.assertEqual(appointment.modality, "video")
        self.assertEqual(appointment.location, "Room 3")

    # --- a series, and moving it from one appointment on ----------------------------------------

    def test_a_weekly_series_moved_from_its_second_appointment_on(self):
        page = self.open(week_url(self.next_monday))
        form = page.locator("#book")
        form.get_by_label("Client").select_option(
            label=f"Philippa Aldersgate · {self.philippa.code}"
        )
        form.locator("#id_date").fill(self.next_monday.isoformat())
        form.locator("#id_time").fill("09:00")
        form.get_by_label("Repeat", exact=True).select_option(label="Weekly")
        form.get_by_label("or number of appointments").fill("4")
        form.get_by_role("button", name="Book").click()
        expect(page.get_by_text("Booked 4 appointments")).to_be_visible()
        mondays = [self.next_monday + datetime.timedelta(weeks=n) for n in range(4)]
        for monday in mondays[:2]:
            page.goto(week_url(monday))
            expect(self.day(page, monday)).to_contain_text(f"09:00{DASH}09:50")

        # The second one (in the week after), moved to Wednesday at 11:00 with the rest.
        page.goto(week_url(mondays[1]))
        self.day(page, mondays[1]).get_by_role("link", name=re.compile("09:00")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"09:00{DASH}09:50")
        expect(page.get_by_text("weekly series")).to_be_visible()
        change = page.get_by_role("region", name="Move or change")
        change.locator("#id_date").fill((mondays[1] + datetime.timedelta(days=2)).isoformat())
        change.locator("#id_time").fill("11:00")
        change.get_by_label("This and the following appointments of the series").check()
        change.get_by_role("button", name="Save changes").click()
        expect(page.get_by_text("Moved 3 appointments of the series")).to_be_visible()

        # Shown on the new days; the first Monday kept.
        page.goto(week_url(mondays[0]))
        expect(self.day(page, mondays[0])).to_contain_text(f"09:00{DASH}09:50")
        for monday in mondays[1:]:
            page.goto(week_url(monday))
            wednesday = monday + datetime.timedelta(days=2)
            expect(self.day(page, wednesday)).to_contain_text(f"11:00{DASH}11:50")
            expect(self.day(page, wednesday)).to_contain_text("Philippa Aldersgate")
            expect(self.day(page, monday)).to_contain_text("Nothing booked.")
        self.assert_clean(page)

        starts = [clock.local(a.start) for a in Appointment.objects.filter(client=self.philippa)]
        self.assertEqual(
            [(s.date(), s.time()) for s in starts],
            [(mondays[0], datetime.time(9, 0))]
            + [(m + datetime.timedelta(days=2), datetime.time(11, 0)) for m in mondays[1:]],
        )
        self.assertEqual(Series.objects.filter(client=self.philippa).count(), 2)

    # --- n on the dashboard ---------------------------------------------------------------------

    def test_n_on_the_dashboard_opens_the_note_of_the_selected_appointment(self):
        if self.now.time() < datetime.time(2, 0):
            self.skipTest("needs two appointments begun earlier today (local time before 02:00)")
        earlier = self.book(self.tomasz, self.now - datetime.timedelta(minutes=115))
        just_ended = self.book(self.philippa, self.now - datetime.timedelta(minutes=55))
        page = self.open("/")
        rows = page.get_by_role("region", name=re.compile("^Today")).locator("[data-appointment]")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Tomasz Wrona")
        selected = page.locator("[data-appointment][data-selected]")
        expect(selected).to_have_count(1)
        expect(selected).to_contain_text("Philippa Aldersgate")

        page.keyboard.press("n")
        expect(page).to_have_url(
            re.compile(rf"/clients/{self.philippa.pk}/sessions/new/\?appointment={just_ended.pk}$")
        )
        expect(page.get_by_role("heading", name=re.compile("Log session"))).to_contain_text(
            "Philippa Aldersgate"
        )
        expect(page.locator("input[name=appointment]")).to_have_value(str(just_ended.pk))
        self.assert_clean(page)
        self.assertNotEqual(earlier.pk, just_ended.pk)

    # --- a clash --------------------------------------------------------------------------------

    def test_a_clash_is_booked_with_a_warning(self):
        tuesday = self.next_monday + datetime.timedelta(days=1)
        first = self.book(self.tomasz, clock.aware(tuesday, datetime.time(10, 0)))
        page = self.open(week_url(self.next_monday))
        form = page.locator("#book")
        form.get_by_label("Client").select_option(
            label=f"Philippa Aldersgate · {self.philippa.code}"
        )
        form.locator("#id_date").fill(tuesday.isoformat())
        form.locator("#id_time").fill("10:30")
        form.get_by_role("button", name="Book").click()

        warning = page.locator(".alert", has_text="overlaps")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(f"{self.philippa.code} at Tue")
        expect(warning).to_contain_text(f"overlaps {self.tomasz.code} at 10:00")
        expect(warning).to_contain_text("Both are kept")
        cell = self.day(page, tuesday)
        expect(cell.locator(".appt")).to_have_count(2)
        expect(cell.get_by_text(f"clash · {self.tomasz.code}")).to_be_visible()
        expect(cell.get_by_text(f"clash · {self.philippa.code}")).to_be_visible()
        self.assertEqual(Appointment.objects.filter(client__therapist=self.user).count(), 2)

        # The appointment's page says so too.
        cell.get_by_role("link", name=re.compile("10:30")).click()
        overlap = page.get_by_role("alert").filter(has_text="Overlaps")
        expect(overlap).to_contain_text(f"{self.tomasz.code} at 10:00")
        self.assert_clean(page)
        self.assertTrue(Appointment.objects.filter(pk=first.pk).exists())
