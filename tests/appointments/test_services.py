"""appointments.services: booking, "this one" and "this and following" changes, statuses,
clashes, and the next appointment a note agrees."""

import datetime

from django.test import TestCase, override_settings

from appointments import clock, services
from appointments.models import Appointment, AppointmentStatus, Frequency, Series
from appointments.recurrence import Repeat
from audit.models import AuditEvent
from tests.base import make_client, make_therapist
from tests.records import db_pk, raw, raw_column

from .helpers import book

MONDAY = datetime.date(2027, 3, 15)  # two weeks before summer time starts in London


def local_times(appointments):
    return [clock.local(a.start).strftime("%a %d %b %H:%M") for a in appointments]


@override_settings(TIME_ZONE="Europe/London")
class SeriesEditTests(TestCase):
    def setUp(self):
        self.alice = make_therapist("alice")
        self.client_a = make_client(self.alice, full_name="Series Client")
        self.made = book(
            self.client_a, MONDAY, repeat=Repeat(Frequency.WEEKLY, count=6), location="Room 2"
        )

    def series_rows(self):
        return list(Appointment.objects.filter(client=self.client_a).order_by("start"))

    def test_a_series_is_stored_as_its_appointments_and_audited_once(self):
        self.assertEqual(len(self.made), 6)
        self.assertEqual(Series.objects.count(), 1)
        self.assertEqual({a.location for a in self.series_rows()}, {"Room 2"})
        self.assertEqual(AuditEvent.objects.filter(action="create_appointment").count(), 1)

    def test_this_one_moves_only_that_appointment(self):
        third = self.made[2]
        services.update(
            appointment=third,
            user=self.alice,
            start=clock.aware(MONDAY + datetime.timedelta(days=15), datetime.time(16, 0)),
            details=services.Details(duration_minutes=50, location="Room 2"),
        )
        self.assertEqual(
            local_times(self.series_rows()),
            [
                "Mon 15 Mar 10:00",
                "Mon 22 Mar 10:00",
                "Tue 30 Mar 16:00",
                "Mon 05 Apr 10:00",
                "Mon 12 Apr 10:00",
                "Mon 19 Apr 10:00",
            ],
        )
        third.refresh_from_db()
        self.assertTrue(third.detached)
        self.assertEqual(Series.objects.count(), 1)

    def test_this_and_following_moves_the_rest_and_splits_the_series(self):
        third, fifth = self.made[2], self.made[4]
        services.set_status(appointment=fifth, user=self.alice, status="no_show", reason="Ill")
        services.update(
            appointment=third,
            user=self.alice,
            start=clock.aware(MONDAY + datetime.timedelta(days=15), datetime.time(16, 0)),
            details=services.Details(duration_minutes=45, modality="video"),
            scope=services.Scope.FOLLOWING,
        )
        rows = self.series_rows()
        # The no-show keeps its time (what happened is not moved); the scheduled ones move
        # one day on, to 16:00 local, across the change to summer time.
        self.assertEqual(
            local_times(rows),
            [
                "Mon 15 Mar 10:00",
                "Mon 22 Mar 10:00",
                "Tue 30 Mar 16:00",
                "Tue 06 Apr 16:00",
                "Mon 12 Apr 10:00",
                "Tue 20 Apr 16:00",
            ],
        )
        self.assertEqual([a.duration_minutes for a in rows], [50, 50, 45, 45, 50, 45])
        self.assertEqual(rows[3].start.astimezone(datetime.UTC).hour, 15)  # BST
        old, new = Series.objects.order_by("created_at")
        self.assertEqual(old.until, MONDAY + datetime.timedelta(days=13))
        self.assertEqual(old.count, 2)
        self.assertEqual(new.count, 4)
        self.assertEqual({a.series_id for a in rows[:2]}, {old.pk})
        self.assertEqual({a.series_id for a in rows[2:]}, {new.pk})

    def test_cancelling_the_rest_of_a_series_keeps_them_marked_cancelled(self):
        services.set_status(
            appointment=self.made[3],
            user=self.alice,
            status="cancelled",
            reason="Ending therapy",
            scope=services.Scope.FOLLOWING,
        )
        rows = self.series_rows()
        self.assertEqual([a.status for a in rows], ["scheduled"] * 3 + ["cancelled"] * 3)
        self.assertEqual({a.status_reason for a in rows[3:]}, {"Ending therapy"})

    def test_reason_location_and_remark_are_not_stored_in_plaintext(self):
        services.set_status(
            appointment=self.made[0], user=self.alice, status="cancelled", reason="CANARY-REASON"
        )
        (other,) = book(self.client_a, MONDAY, remark="CANARY-REMARK", location="CANARY-PLACE")
        stored = {
            "status_reason": raw_column(Appointment, "status_reason", self.made[0].pk),
            "remark": raw_column(Appointment, "remark", other.pk),
            "location": raw_column(Appointment, "location", other.pk),
        }
        for column, canary in [
            ("status_reason", b"CANARY-REASON"),
            ("remark", b"CANARY-REMARK"),
            ("location", b"CANARY-PLACE"),
        ]:
            with self.subTest(column):
                self.assertNotIn(canary, stored[column])
                self.assertGreater(len(stored[column]), len(canary))  # a sealed value is there
        # Negative control: the same read shows a plain column's value.
        (status,) = raw(
            f"SELECT status FROM {Appointment._meta.db_table} WHERE id = %s",  # noqa: S608
            [db_pk(Appointment, self.made[0].pk)],
        )[0]
        self.assertEqual(status, "cancelled")
        # And the values read back through the model.
        self.assertEqual(Appointment.objects.get(pk=other.pk).remark, "CANARY-REMARK")


class ClashAndOwnershipTests(TestCase):
    def setUp(self):
        self.alice = make_therapist("alice")
        self.bob = make_therapist("bob")
        self.one = make_client(self.alice, full_name="One")
        self.two = make_client(self.alice, full_name="Two")
        self.bobs = make_client(self.bob, full_name="Bob's")

    def test_overlaps_are_found_and_not_refused(self):
        (first,) = book(self.one, MONDAY, datetime.time(10, 0))
        (second,) = book(self.two, MONDAY, datetime.time(10, 30))
        book(self.bobs, MONDAY, datetime.time(10, 15))  # another therapist's: no clash
        (later,) = book(self.two, MONDAY, datetime.time(10, 50))  # starts as the first ends
        found = services.clashes(
            therapist=self.alice, start=first.start, duration_minutes=50, exclude=[first]
        )
        self.assertEqual(found, [second])
        self.assertEqual(
            services.clashes_among([later], therapist=self.alice), {later.pk: [second]}
        )
        services.set_status(appointment=second, user=self.alice, status="cancelled")
        self.assertEqual(
            services.clashes(
                therapist=self.alice, start=first.start, duration_minutes=50, exclude=[first]
            ),
            [],
        )

    def test_another_therapists_client_cannot_be_booked_or_changed(self):
        with self.assertRaises(PermissionError):
            services.schedule(
                therapist=self.alice,
                client=self.bobs,
                start=clock.aware(MONDAY, datetime.time(9, 0)),
                details=services.Details(),
            )
        (bobs_appointment,) = book(self.bobs, MONDAY)
        with self.assertRaises(PermissionError):
            services.set_status(appointment=bobs_appointment, user=self.alice, status="no_show")
        self.assertEqual(
            Appointment.objects.get(pk=bobs_appointment.pk).status, AppointmentStatus.SCHEDULED
        )

    def test_the_next_appointment_is_booked_once_and_moved_when_the_note_changes_it(self):
        start = clock.aware(MONDAY, datetime.time(11, 0))
        details = services.Details(duration_minutes=50)
        made = services.book_next(
            therapist=self.alice, client=self.one, start=start, details=details
        )
        again = services.book_next(
            therapist=self.alice, client=self.one, start=start, details=details
        )
        self.assertEqual(made.pk, again.pk)
        later = start + datetime.timedelta(days=1)
        moved = services.book_next(
            therapist=self.alice, client=self.one, start=later, details=details, replacing=start
        )
        self.assertEqual(moved.pk, made.pk)
        self.assertEqual(list(Appointment.objects.filter(client=self.one)), [moved])
        self.assertEqual(Appointment.objects.get(pk=made.pk).start, later)


@override_settings(TIME_ZONE="Europe/London")
class FromTheFirstAppointmentTests(TestCase):
    def test_changing_the_whole_series_keeps_one_series(self):
        alice = make_therapist("alice")
        client = make_client(alice, full_name="Whole Series")
        made = book(client, MONDAY, repeat=Repeat(Frequency.WEEKLY, count=3))
        services.update(
            appointment=made[0],
            user=alice,
            start=clock.aware(MONDAY, datetime.time(15, 0)),
            details=services.Details(),
            scope=services.Scope.FOLLOWING,
        )
        self.assertEqual(Series.objects.count(), 1)
        series = Series.objects.get()
        self.assertEqual(clock.local(series.first_start).time(), datetime.time(15, 0))
        self.assertEqual(series.count, 3)
        self.assertEqual(
            {clock.local(a.start).time() for a in Appointment.objects.all()}, {datetime.time(15, 0)}
        )
