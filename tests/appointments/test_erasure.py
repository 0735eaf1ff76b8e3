"""Erasing a client's record takes their appointments and series with it (a note linked to an
appointment, and a series with appointments, do not block it), and the ledger still verifies."""

import datetime
import io

from django.core.management import call_command
from django.test import TestCase

from appointments.models import Appointment, Frequency, Series
from appointments.recurrence import Repeat
from sessions import services as session_services
from tests.base import make_client, make_session, make_therapist

from .helpers import book


class EraseWithAppointmentsTests(TestCase):
    def test_the_whole_schedule_of_the_client_goes_and_the_ledger_verifies(self):
        alice = make_therapist("alice")
        client = make_client(alice, full_name="To Be Erased")
        kept = make_client(alice, full_name="Stays")
        made = book(client, datetime.date(2027, 1, 4), repeat=Repeat(Frequency.WEEKLY, count=3))
        book(kept, datetime.date(2027, 1, 4), datetime.time(12, 0))
        make_session(client, appointment=made[0])
        session_services.erase_client(client=client)
        self.assertFalse(Appointment.objects.filter(client_id=client.pk).exists())
        self.assertFalse(Series.objects.filter(client_id=client.pk).exists())
        self.assertEqual(Appointment.objects.filter(client=kept).count(), 1)
        out = io.StringIO()
        call_command("verify_records", stdout=out)
        self.assertIn("ok", out.getvalue())
