"""What the cold review of the appointments work found, one test each, now that it is fixed:
the feed's secret kept out of Django's logs, no server error on a far week or a far "next
appointment", *Write note* opening the appointment asked for over an older autosave, the
schedule never contradicting a signed note, a second note for one appointment refused cleanly.
"""

import datetime
import logging
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from appointments import clock
from appointments import feed as calendar_feed
from appointments.models import Appointment, AppointmentStatus
from sessions.forms import SessionForm
from sessions.models import TherapySession
from tests.base import PersonaTestCase, make_signed_session
from tests.builders import autosave_form, session_form

from .helpers import book


@override_settings(TIME_ZONE="Europe/London")
class FeedTokenNeverLoggedTests(PersonaTestCase):
    """The feed's address is its key (appointments/feed.py): gunicorn's access log redacts it,
    but Django's own loggers (django.request, django.security.csrf) write request.path."""

    def setUp(self):
        self.token = calendar_feed.renew(therapist=self.alice)
        self.url = reverse("calendar_feed_ics", args=[self.token])

    def test_a_get_is_not_logged(self):  # negative control
        with self.assertNoLogs("django", level="WARNING"):
            self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_another_method_on_a_live_address_does_not_log_the_token(self):
        with self.assertLogs("django", level="WARNING") as logs:
            logging.getLogger("django").warning("marker")
            self.client.options(self.url)
        self.assertNotIn(self.token, "\n".join(logs.output))

    def test_a_post_to_a_live_address_does_not_log_the_token(self):
        self.client.handler.enforce_csrf_checks = True
        with self.assertLogs("django", level="WARNING") as logs:
            logging.getLogger("django").warning("marker")
            self.client.post(self.url)
        self.assertNotIn(self.token, "\n".join(logs.output))


@override_settings(TIME_ZONE="Europe/London")
class NeverAServerErrorTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def test_an_ordinary_week_is_shown(self):  # negative control
        response = self.client.get(reverse("appointment_week"), {"week": "2026-12-07"})
        self.assertEqual(response.status_code, 200)

    def test_the_first_and_the_last_week_of_the_calendar_are_not_a_500(self):
        self.client.raise_request_exception = False
        for week in ("9999-12-31", "0001-01-01"):
            response = self.client.get(reverse("appointment_week"), {"week": week})
            self.assertLess(response.status_code, 500, week)

    def test_a_next_appointment_in_the_year_9999_is_refused_or_its_page_opens(self):
        self.client.raise_request_exception = False
        url = reverse("session_create", args=[self.alice_client.pk])
        self.client.post(url, session_form(next_appointment="9999-12-31T23:30"))
        made = Appointment.objects.filter(client=self.alice_client, start__year=9999).first()
        if made is not None:
            response = self.client.get(reverse("appointment_detail", args=[made.pk]))
            self.assertLess(response.status_code, 500)


@override_settings(TIME_ZONE="Europe/London")
class WriteNoteOpensTheAppointmentAskedForTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        today = clock.local(timezone.now()).date()
        self.first = book(self.alice_client, today + datetime.timedelta(days=1))[0]
        self.second = book(self.alice_client, today + datetime.timedelta(days=8))[0]
        self.url = reverse("session_create", args=[self.alice_client.pk])

    def form_for(self, appointment):
        response = self.client.get(self.url, {"appointment": str(appointment.pk)})
        return response.context["form"]

    def test_without_an_autosave_the_form_is_of_the_appointment(self):  # negative control
        self.assertEqual(self.form_for(self.second)["appointment"].value(), str(self.second.pk))

    def test_an_older_autosave_does_not_link_the_note_to_another_appointment(self):
        form = self.form_for(self.first)
        key = form["draft_key"].value()
        fields = {name: form[name].value() or "" for name in ("appointment", "date", "start_time")}
        fields = {k: str(v) for k, v in fields.items()}
        self.client.post(
            reverse("draft_autosave", args=[key]),
            autosave_form(client=self.alice_client, section_subjective="typed", **fields),
        )
        self.assertEqual(self.form_for(self.second)["appointment"].value(), str(self.second.pk))


@override_settings(TIME_ZONE="Europe/London")
class SignedNoteKeepsItsAppointmentTests(PersonaTestCase):
    """A signed note says when the session took place and that the client came: its
    appointment's time and attendance no longer change (the location and remark still can)."""

    def setUp(self):
        self.sign_in(self.alice)
        start = clock.aware(datetime.date(2026, 3, 9), datetime.time(11, 0))
        self.appointment = Appointment.objects.create(
            client=self.alice_client, start=start, status=AppointmentStatus.ATTENDED
        )
        self.note = make_signed_session(self.alice_client, self.alice, appointment=self.appointment)

    def test_the_note_records_the_appointment(self):  # negative control
        response = self.client.get(reverse("session_detail", args=[self.note.pk]))
        self.assertContains(response, "Mon 9 Mar 2026, 11:00</a>")

    def test_the_appointment_of_a_signed_note_cannot_become_a_no_show(self):
        self.client.post(
            reverse("appointment_status", args=[self.appointment.pk]),
            {"status": AppointmentStatus.NO_SHOW, "reason": "", "scope": "this"},
        )
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.ATTENDED)

    def test_it_cannot_move_but_its_remark_can_change(self):
        moved = {"date": "2026-03-10", "time": "11:00", "duration_minutes": "50"}
        same = {"date": "2026-03-09", "time": "11:00", "duration_minutes": "50"}
        url = reverse("appointment_change", args=[self.appointment.pk])
        refused = self.client.post(url, {**moved, "modality": "in_person", "remark": "Moved"})
        self.assertContains(refused, "has a signed note")
        self.assertContains(refused, "Moved")  # what was typed is shown again
        self.client.post(url, {**same, "modality": "in_person", "remark": "Ran over"})
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.start.date(), datetime.date(2026, 3, 9))
        self.assertEqual(self.appointment.remark, "Ran over")

    def test_marking_a_no_show_with_a_signed_note_attended_is_allowed(self):
        Appointment.objects.filter(pk=self.appointment.pk).update(status=AppointmentStatus.NO_SHOW)
        self.client.post(
            reverse("appointment_status", args=[self.appointment.pk]),
            {"status": AppointmentStatus.ATTENDED, "reason": "", "scope": "this"},
        )
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.ATTENDED)


class SecondNoteForOneAppointmentTests(PersonaTestCase):
    """Two posts for one appointment at once (two tabs, a double click): the second passed
    clean_appointment before the first note existed, and meets the database's constraint."""

    def test_the_second_post_is_shown_again_with_a_message_not_a_server_error(self):
        self.sign_in(self.alice)
        appointment = book(self.alice_client, timezone.localdate())[0]
        data = session_form(appointment=str(appointment.pk), mood_affect="Second tab")
        url = reverse("session_create", args=[self.alice_client.pk])
        self.assertEqual(self.client.post(url, data).status_code, 302)
        # The second tab's form was checked before the first note was saved.
        with mock.patch.object(SessionForm, "clean_appointment", return_value=appointment):
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "A note for this appointment was saved a moment ago")
        self.assertContains(response, "Second tab")
        self.assertEqual(TherapySession.objects.filter(appointment=appointment).count(), 1)
