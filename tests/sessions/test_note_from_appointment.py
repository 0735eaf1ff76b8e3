"""A note started from its appointment: *Write note* opens the form with the appointment's
date, time, length and modality and the client's usual format; saving links the two and marks
the client attended; a note's "next appointment" is booked in the schedule; the dashboard lists
today's appointments and the notes still missing."""

import datetime
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from appointments import clock, services
from appointments.models import Appointment, AppointmentStatus
from sessions.models import TherapySession
from tests.base import PersonaTestCase, make_client, make_session
from tests.builders import session_form


def book(client, start, **details):
    (made,) = services.schedule(
        therapist=client.therapist,
        client=client,
        start=start,
        details=services.Details(**details),
    )
    return made


@override_settings(TIME_ZONE="Europe/London")
class WriteNoteTests(PersonaTestCase):
    def setUp(self):
        # The session that just ended must be today's whenever the suite runs (at 00:20 "40
        # minutes ago" is yesterday): the clock reads 15:00 today in London.
        today = clock.local(timezone.now()).date()
        afternoon = clock.aware(today, datetime.time(15, 0))
        clock_patch = mock.patch("django.utils.timezone.now", return_value=afternoon)
        clock_patch.start()
        self.addCleanup(clock_patch.stop)
        self.sign_in(self.alice)
        now = clock.local(timezone.now())
        # Today, 40 minutes ago, whole minutes: the session that just ended.
        self.start = (now - datetime.timedelta(minutes=40)).replace(second=0, microsecond=0)
        self.appointment = book(
            self.alice_client, self.start, duration_minutes=45, modality="video"
        )

    def test_write_note_opens_the_form_filled_from_the_appointment(self):
        make_session(self.alice_client, note_format="dap")
        make_session(self.alice_client, note_format="dap")
        response = self.client.get(
            reverse("appointment_note", args=[self.appointment.pk]), follow=True
        )
        form = response.context["form"]
        self.assertEqual(form["date"].value(), self.start.date())
        self.assertEqual(form["start_time"].value(), self.start.time())
        self.assertEqual(form["duration_minutes"].value(), 45)
        self.assertEqual(form["modality"].value(), "video")
        self.assertEqual(form["note_format"].value(), "dap")  # two of the client's three notes
        self.assertEqual(form["appointment"].value(), str(self.appointment.pk))
        self.assertContains(response, f'value="{self.appointment.pk}"')

    def test_saving_links_the_note_and_marks_the_client_attended(self):
        data = session_form(
            date=self.start.date().isoformat(),
            start_time=self.start.strftime("%H:%M"),
            appointment=str(self.appointment.pk),
        )
        url = reverse("session_create", args=[self.alice_client.pk])
        response = self.client.post(url, data)
        note = TherapySession.objects.get(appointment=self.appointment)
        self.assertRedirects(response, note.get_absolute_url(), fetch_redirect_response=False)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.ATTENDED)
        # Write note now opens that note; a second note for the same appointment is refused.
        again = self.client.get(reverse("appointment_note", args=[self.appointment.pk]))
        self.assertRedirects(
            again, reverse("session_edit", args=[note.pk]), fetch_redirect_response=False
        )
        refused = self.client.post(url, {**data, "mood_affect": "Second try"})
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "That appointment already has a note")
        self.assertEqual(TherapySession.objects.filter(appointment=self.appointment).count(), 1)

    def test_another_therapists_appointment_cannot_be_linked(self):
        bobs = book(self.bob_client, self.start)
        data = session_form(appointment=str(bobs.pk), mood_affect="Typed mood")
        response = self.client.post(reverse("session_create", args=[self.alice_client.pk]), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "is not one of this client")
        self.assertContains(response, "Typed mood")
        self.assertFalse(TherapySession.objects.filter(appointment=bobs).exists())
        # Nor through the prefill: bob's id in the address gives no appointment (a client of
        # alice's without an autosaved draft, which would bring back what was posted).
        other = make_client(self.alice, full_name="Second Client")
        page = self.client.get(
            reverse("session_create", args=[other.pk]), {"appointment": str(bobs.pk)}
        )
        self.assertNotContains(page, str(bobs.pk))
        mangled = self.client.get(
            reverse("session_create", args=[self.alice_client.pk]), {"appointment": "not-a-uuid"}
        )
        self.assertEqual(mangled.status_code, 200)

    def test_a_note_logged_without_asking_takes_todays_appointment(self):
        response = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
        self.assertEqual(response.context["form"]["appointment"].value(), str(self.appointment.pk))

    def test_next_appointment_is_booked_and_moved_when_the_draft_changes_it(self):
        next_week = (self.start + datetime.timedelta(days=7)).replace(tzinfo=None)
        data = session_form(next_appointment=next_week.strftime("%Y-%m-%dT%H:%M"))
        self.client.post(reverse("session_create", args=[self.alice_client.pk]), data)
        note = TherapySession.objects.exclude(pk=self.alice_session.pk).get()
        booked = Appointment.objects.get(
            client=self.alice_client, start=clock.from_naive(next_week)
        )
        self.assertEqual(booked.status, AppointmentStatus.SCHEDULED)
        later = next_week + datetime.timedelta(hours=2)
        from tests.builders import session_edit_form

        self.client.post(
            reverse("session_edit", args=[note.pk]),
            session_edit_form(note, next_appointment=later.strftime("%Y-%m-%dT%H:%M")),
        )
        booked.refresh_from_db()
        self.assertEqual(booked.start, clock.from_naive(later))
        self.assertEqual(Appointment.objects.filter(client=self.alice_client).count(), 2)


TWO_HOURS = datetime.timedelta(hours=2)
ONE_HOUR = datetime.timedelta(hours=1)


@override_settings(TIME_ZONE="Europe/London")
class DashboardDayTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def test_today_lists_each_appointment_with_its_note_status_and_one_button(self):
        # Today's list is the whole local day, whatever the hour the test runs at: book around
        # today's noon (now plus or minus hours crosses midnight late in the evening).
        noon = clock.local(timezone.now()).replace(hour=12, minute=0, second=0, microsecond=0)
        earlier = book(self.alice_client, noon - TWO_HOURS)
        later = book(self.alice_client, noon + ONE_HOUR)
        book(self.bob_client, noon + datetime.timedelta(minutes=30))
        make_session(self.alice_client, appointment=earlier)
        response = self.client.get(reverse("dashboard"))
        today = response.context["today"]
        self.assertEqual([a.pk for a in today], [earlier.pk, later.pk])
        self.assertContains(response, "Continue note")
        self.assertContains(response, "Write note")
        self.assertContains(response, reverse("appointment_note", args=[later.pk]))
        self.assertNotContains(response, "Bob&#x27;s Own Client")

    def test_missing_notes_are_attended_appointments_without_a_signed_note_oldest_first(self):
        now = timezone.now()
        old = book(self.alice_client, now - datetime.timedelta(days=3))
        older = book(self.alice_client, now - datetime.timedelta(days=5))
        noted = book(self.alice_client, now - datetime.timedelta(days=4))
        missed = book(self.alice_client, now - datetime.timedelta(days=2))
        for appointment in (old, older, noted):
            services.set_status(appointment=appointment, user=self.alice, status="attended")
        services.set_status(appointment=missed, user=self.alice, status="no_show")
        from tests.base import make_signed_session

        make_signed_session(self.alice_client, self.alice, appointment=noted)
        book(self.bob_client, now - datetime.timedelta(days=6))
        response = self.client.get(reverse("dashboard"))
        self.assertEqual([a.pk for a in response.context["missing_notes"]], [older.pk, old.pk])
        self.assertContains(response, "Missing notes")


@override_settings(TIME_ZONE="Europe/London")
class ImportedAndBackfilledTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def test_past_events_imported_from_another_calendar_are_not_missing_notes(self):
        now = timezone.now()
        typed = book(self.alice_client, now - datetime.timedelta(days=2))
        imported = book(self.alice_client, now - datetime.timedelta(days=3))
        Appointment.objects.filter(pk=imported.pk).update(import_key="f" * 64)
        missing = self.client.get(reverse("dashboard")).context["missing_notes"]
        self.assertEqual([a.pk for a in missing], [typed.pk])

    def test_editing_an_older_note_shows_the_session_before_it_not_a_later_one(self):
        older = make_session(self.alice_client, date=datetime.date(2026, 1, 5), plan="Older plan")
        make_session(self.alice_client, date=datetime.date(2026, 1, 12), plan="Earlier plan")
        later = make_session(self.alice_client, date=datetime.date(2026, 1, 19))
        make_session(self.alice_client, date=datetime.date(2026, 1, 26), plan="Later plan")
        page = self.client.get(reverse("session_edit", args=[later.pk]))
        self.assertEqual(page.context["previous"].session.plan, "Earlier plan")
        first = self.client.get(reverse("session_edit", args=[older.pk]))
        self.assertIsNone(first.context["previous"])
