"""Which questionnaires are due: every session, every 4 weeks, at intake and discharge; and the
"due" marks on a list of appointments, in a constant number of queries."""

import datetime

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from appointments import clock
from appointments import services as appointment_services
from appointments.models import AppointmentStatus
from clients.services import discharge_client
from measures import services
from measures.due import due_by_appointment, due_for
from tests.base import make_client, make_therapist

from .helpers import record

D0 = datetime.date(2026, 2, 2)


def day(days: int) -> datetime.date:
    return D0 + datetime.timedelta(days=days)


class DueForTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")

    def client_due(self, due: dict, **fields):
        client = make_client(self.alice, intake_date=day(-100), **fields)
        services.set_schedule(client=client, user=self.alice, due=due)
        return client

    def slugs(self, client, on):
        return [measure.slug for measure in due_for(client, on=on)]

    def test_without_a_schedule_nothing_is_due(self):
        client = make_client(self.alice)
        self.assertEqual(due_for(client, on=D0), [])
        services.set_schedule(client=client, user=self.alice, due={})
        self.assertEqual(due_for(client, on=D0), [])

    def test_every_session_unless_taken_that_day(self):
        client = self.client_due({"phq9": "every_session"})
        self.assertEqual(self.slugs(client, D0), ["phq9"])
        record(client, "phq9", total=5, on=D0)
        self.assertEqual(self.slugs(client, D0), [])
        self.assertEqual(self.slugs(client, day(7)), ["phq9"])

    def test_every_4_weeks(self):
        client = self.client_due({"gad7": "every_4_weeks"})
        self.assertEqual(self.slugs(client, D0), ["gad7"])  # never taken
        record(client, "gad7", total=5, on=D0)
        self.assertEqual(self.slugs(client, day(0)), [])
        self.assertEqual(self.slugs(client, day(27)), [])
        self.assertEqual(self.slugs(client, day(28)), ["gad7"])

    def test_a_questionnaire_after_the_day_does_not_count(self):
        client = self.client_due({"gad7": "every_4_weeks"})
        record(client, "gad7", total=5, on=day(10))
        self.assertEqual(self.slugs(client, D0), ["gad7"])

    def test_at_intake_and_again_at_discharge(self):
        client = self.client_due({"core10": "intake_discharge"})
        self.assertEqual(self.slugs(client, day(-90)), ["core10"])
        record(client, "core10", total=15, on=day(-90))
        self.assertEqual(self.slugs(client, D0), [])  # active: done at intake
        discharge_client(client=client, discharge_date=D0, closing_summary="")
        self.assertEqual(self.slugs(client, D0), ["core10"])
        record(client, "core10", total=8, on=day(-20))  # at a last session before discharge
        self.assertEqual(self.slugs(client, D0), [])

    def test_a_discharged_client_has_no_session_measures_due(self):
        client = self.client_due({"phq9": "every_session", "gad7": "every_4_weeks"})
        discharge_client(client=client, discharge_date=D0, closing_summary="")
        self.assertEqual(self.slugs(client, D0), [])

    def test_in_catalogue_order_with_a_schedule_given(self):
        client = self.client_due({"core10": "every_session", "gad7": "every_session"})
        schedule = client.measure_schedule
        found = due_for(client, on=D0, schedule=schedule, history=[])
        self.assertEqual([measure.slug for measure in found], ["gad7", "core10"])


class DueByAppointmentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")

    def booked(self, client, on, status=None):
        (made,) = appointment_services.schedule(
            therapist=client.therapist,
            client=client,
            start=clock.aware(on, datetime.time(10, 0)),
            details=appointment_services.Details(),
        )
        if status:
            appointment_services.set_status(appointment=made, user=client.therapist, status=status)
        return made

    def scheduled_client(self, therapist, due):
        client = make_client(therapist)
        services.set_schedule(client=client, user=therapist, due=due)
        return client

    def test_marks_the_appointments_with_something_due(self):
        due = self.scheduled_client(self.alice, {"phq9": "every_session"})
        done = self.scheduled_client(self.alice, {"phq9": "every_session"})
        record(done, "phq9", total=4, on=D0)
        nothing = make_client(self.alice)
        bobs = self.scheduled_client(self.bob, {"phq9": "every_session"})
        appointments = [
            self.booked(due, D0),
            self.booked(done, D0),
            self.booked(nothing, D0),
            self.booked(due, day(1), status=AppointmentStatus.CANCELLED),
            self.booked(bobs, D0),
        ]
        found = due_by_appointment(self.alice, appointments)
        self.assertEqual(
            {pk: [m.slug for m in measures] for pk, measures in found.items()},
            {appointments[0].pk: ["phq9"]},
        )

    def test_the_same_queries_however_many_appointments(self):
        clients = [self.scheduled_client(self.alice, {"gad7": "every_4_weeks"}) for _ in range(5)]
        for client in clients:
            record(client, "gad7", total=6, on=day(-3))
        few = [self.booked(client, day(7)) for client in clients[:2]]
        many = [self.booked(client, day(30)) for client in clients]
        with CaptureQueriesContext(connection) as for_few:
            due_by_appointment(self.alice, few)
        with CaptureQueriesContext(connection) as for_many:
            found = due_by_appointment(self.alice, many)
        self.assertEqual(len(for_few), len(for_many))
        self.assertEqual(len(found), 5)
        self.assertEqual(due_by_appointment(self.alice, few), {})
        self.assertEqual(due_by_appointment(self.alice, []), {})
