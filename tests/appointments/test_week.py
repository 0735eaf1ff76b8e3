"""The schedule pages: the week, booking (with clashes warned about), changing an appointment
and setting its status; another therapist's appointments are 404s."""

import datetime

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from appointments import clock
from appointments.models import Appointment, AppointmentStatus, Series
from audit.models import AuditEvent
from tests.base import PersonaTestCase
from tests.pages import RedisplayAssertions, follow_messages, messages_of

from .helpers import book


def next_monday() -> datetime.date:
    today = clock.local(timezone.now()).date()
    return clock.week_start(today) + datetime.timedelta(days=7)


def book_form(owner, day, **overrides) -> dict:
    data = {
        "client": str(owner.pk),
        "date": day.isoformat(),
        "time": "10:00",
        "duration_minutes": "50",
        "modality": "in_person",
        "location": "",
        "remark": "",
        "repeat": "",
        "until": "",
        "count": "",
        "skip": "",
    }
    return {**data, **overrides}


@override_settings(TIME_ZONE="Europe/London")
class WeekPageTests(RedisplayAssertions, PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.monday = next_monday()

    def week(self, day=None):
        day = day or self.monday
        return self.client.get(reverse("appointment_week"), {"week": day.isoformat()})

    def test_the_week_shows_each_appointment_on_its_day_with_its_local_time(self):
        book(self.alice_client, self.monday + datetime.timedelta(days=2), datetime.time(15, 30))
        book(self.bob_client, self.monday + datetime.timedelta(days=2), datetime.time(9, 0))
        response = self.week()
        self.assertContains(response, self.alice_client.code)
        self.assertContains(response, "15:30")
        self.assertNotContains(response, "Bob&#x27;s Own Client")
        self.assertNotContains(response, "09:00")
        self.assertContains(response, "1 appointment")

    def test_a_days_appointments_are_in_order_of_time_whatever_the_order_booked(self):
        wednesday = self.monday + datetime.timedelta(days=2)
        for at in (datetime.time(17, 0), datetime.time(8, 0), datetime.time(12, 0)):
            book(self.alice_client, wednesday, at)
        content = self.week().content.decode()
        positions = [content.index(f">{hour}</time>") for hour in ("08:00", "12:00", "17:00")]
        self.assertEqual(positions, sorted(positions))

    def test_booking_a_weekly_series_books_every_week_until_the_end_date(self):
        response = self.client.post(
            reverse("appointment_book"),
            book_form(
                self.alice_client,
                self.monday,
                repeat="weekly",
                until=(self.monday + datetime.timedelta(days=28)).isoformat(),
                remark="Prefers the early slot",
            ),
        )
        self.assertRedirects(
            response,
            f"{reverse('appointment_week')}?week={self.monday.isoformat()}"
            f"#appointment-{Appointment.objects.order_by('start').first().pk}",
            fetch_redirect_response=False,
        )
        self.assertEqual(Appointment.objects.filter(client=self.alice_client).count(), 5)
        self.assertEqual(Series.objects.count(), 1)
        self.assertIn("Booked 5 appointments", " ".join(follow_messages(self.client, response)))

    def test_a_clash_is_booked_and_warned_about(self):
        book(self.alice_client, self.monday, datetime.time(10, 0))
        response = self.client.post(
            reverse("appointment_book"),
            book_form(self.alice_client, self.monday, time="10:20"),
        )
        self.assertEqual(Appointment.objects.count(), 2)
        text = " ".join(follow_messages(self.client, response))
        self.assertIn("overlaps", text)
        self.assertIn("Both are kept", text)
        page = self.week()
        self.assertContains(page, "clash")

    def test_bad_input_redisplays_what_was_typed_and_books_nothing(self):
        cases = [
            ({"repeat": "weekly"}, "until", "Give an end date or a number of appointments."),
            ({"date": "2026-02-30"}, "date", "Enter a valid date."),
            ({"duration_minutes": "0"}, "duration_minutes", None),
            ({"client": str(self.bob_client.pk)}, "client", None),
            ({"skip": "next tuesday", "repeat": "weekly", "count": "3"}, "skip", None),
            ({"date": "2090-01-01"}, "date", "more than 3 years ahead"),
        ]
        for overrides, field, message in cases:
            with self.subTest(field=field, overrides=overrides):
                data = book_form(self.alice_client, self.monday, remark="Kept remark", **overrides)
                response = self.client.post(reverse("appointment_book"), data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(field, response.context["book_form"].errors)
                if message:
                    self.assertIn(message, " ".join(response.context["book_form"].errors[field]))
                self.assertContains(response, "Kept remark")
                self.assertContains(response, "Nothing you typed has been lost")
        self.assertEqual(Appointment.objects.count(), 0)

    def test_a_bad_week_is_a_message_and_this_week(self):
        response = self.client.get(reverse("appointment_week"), {"week": "soon"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("not a date", " ".join(messages_of(response)))
        self.assertEqual(
            response.context["monday"], clock.week_start(clock.local(timezone.now()).date())
        )

    def test_moving_and_cancelling_from_the_appointment_page(self):
        (appointment,) = book(self.alice_client, self.monday, remark="Old remark")
        page = self.client.get(appointment.get_absolute_url())
        self.assertContains(page, "Old remark")
        self.assertEqual(AuditEvent.objects.filter(action="view_appointment").count(), 1)
        thursday = self.monday + datetime.timedelta(days=3)
        response = self.client.post(
            reverse("appointment_change", args=[appointment.pk]),
            {
                "date": thursday.isoformat(),
                "time": "17:15",
                "duration_minutes": "50",
                "modality": "video",
                "location": "",
                "remark": "Moved at her request",
            },
        )
        self.assertIn("Thu", " ".join(follow_messages(self.client, response)))
        appointment.refresh_from_db()
        self.assertEqual(clock.local(appointment.start).date(), thursday)
        self.assertEqual(clock.local(appointment.start).time(), datetime.time(17, 15))
        self.assertEqual(appointment.remark, "Moved at her request")
        self.client.post(
            reverse("appointment_status", args=[appointment.pk]),
            {"status": "late_cancel", "reason": "Flu"},
        )
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, AppointmentStatus.LATE_CANCELLATION)
        self.assertEqual(appointment.status_reason, "Flu")

    def test_a_bad_change_redisplays_and_changes_nothing(self):
        (appointment,) = book(self.alice_client, self.monday)
        response = self.client.post(
            reverse("appointment_change", args=[appointment.pk]),
            {
                "date": "",
                "time": "25:00",
                "duration_minutes": "50",
                "modality": "video",
                "remark": "Typed remark",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Typed remark")
        self.assertEqual(Appointment.objects.get(pk=appointment.pk).start, appointment.start)

    def test_another_therapists_appointment_is_a_404_on_every_route(self):
        (bobs,) = book(self.bob_client, self.monday)
        routes = [
            ("get", reverse("appointment_detail", args=[bobs.pk]), {}),
            ("post", reverse("appointment_change", args=[bobs.pk]), {"date": "2027-01-01"}),
            ("post", reverse("appointment_status", args=[bobs.pk]), {"status": "no_show"}),
            ("get", reverse("appointment_note", args=[bobs.pk]), {}),
        ]
        for method, url, data in routes:
            with self.subTest(url):
                self.assertEqual(getattr(self.client, method)(url, data).status_code, 404)
        self.assertEqual(Appointment.objects.get(pk=bobs.pk).status, "scheduled")
        # Negative control: bob reaches his own.
        self.sign_in(self.bob)
        self.assertEqual(
            self.client.get(reverse("appointment_detail", args=[bobs.pk])).status_code, 200
        )
