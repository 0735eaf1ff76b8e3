"""Series dates from dateutil's rrule: the same wall-clock time on every date, across the
clock changes of Europe/London (the test settings' TIME_ZONE), bounded, with skipped dates."""

import datetime

from django.test import SimpleTestCase, override_settings

from appointments import clock
from appointments.models import Frequency
from appointments.recurrence import RecurrenceError, Repeat, local_starts, starts

UTC = datetime.UTC


@override_settings(TIME_ZONE="Europe/London")
class AcrossClockChangesTests(SimpleTestCase):
    def test_weekly_at_ten_stays_at_ten_when_summer_time_starts(self):
        first = clock.aware(datetime.date(2027, 3, 15), datetime.time(10, 0))  # Monday
        found = starts(first, Repeat(Frequency.WEEKLY, count=4))
        self.assertEqual([clock.local(s).time() for s in found], [datetime.time(10, 0)] * 4)
        # 28 March 2027 is the change: 10:00 GMT before, 10:00 BST (09:00 UTC) after.
        self.assertEqual(
            [s.astimezone(UTC).hour for s in found], [10, 10, 9, 9], [s.isoformat() for s in found]
        )
        self.assertEqual(
            [clock.local(s).date() for s in found],
            [
                datetime.date(2027, 3, 15),
                datetime.date(2027, 3, 22),
                datetime.date(2027, 3, 29),
                datetime.date(2027, 4, 5),
            ],
        )

    def test_fortnightly_at_ten_stays_at_ten_when_summer_time_ends(self):
        first = clock.aware(datetime.date(2026, 10, 13), datetime.time(10, 0))
        found = starts(first, Repeat(Frequency.FORTNIGHTLY, until=datetime.date(2026, 11, 10)))
        self.assertEqual(len(found), 3)
        self.assertEqual([s.astimezone(UTC).hour for s in found], [9, 10, 10])
        self.assertEqual({clock.local(s).time() for s in found}, {datetime.time(10, 0)})

    def test_a_wall_time_the_clock_change_skips_is_kept_an_hour_later_not_lost(self):
        # 01:30 on 28 March 2027 does not exist in London (01:00 GMT becomes 02:00 BST).
        first = clock.aware(datetime.date(2027, 3, 21), datetime.time(1, 30))
        found = starts(first, Repeat(Frequency.WEEKLY, count=2))
        self.assertEqual(len(found), 2)
        self.assertEqual(clock.local(found[1]).time(), datetime.time(2, 30))
        self.assertEqual(found[1] - found[0], datetime.timedelta(days=7))


class RuleTests(SimpleTestCase):
    def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months(self):
        found = local_starts(
            datetime.datetime(2027, 1, 31, 9, 0), Repeat(Frequency.MONTHLY, count=4)
        )
        self.assertEqual(
            [s.date() for s in found],
            [
                datetime.date(2027, 1, 31),
                datetime.date(2027, 2, 28),
                datetime.date(2027, 3, 31),
                datetime.date(2027, 4, 30),
            ],
        )

    def test_skipped_dates_are_left_out_and_the_count_is_of_appointments_booked(self):
        found = local_starts(
            datetime.datetime(2026, 12, 10, 14, 0),
            Repeat(Frequency.WEEKLY, count=4, skipped=frozenset({datetime.date(2026, 12, 24)})),
        )
        self.assertEqual(
            [s.date() for s in found],
            [
                datetime.date(2026, 12, 10),
                datetime.date(2026, 12, 17),
                datetime.date(2026, 12, 31),
                datetime.date(2027, 1, 7),
            ],
        )

    def test_until_is_inclusive(self):
        found = local_starts(
            datetime.datetime(2026, 12, 7, 9, 0),
            Repeat(Frequency.WEEKLY, until=datetime.date(2026, 12, 21)),
        )
        self.assertEqual(len(found), 3)

    def test_unbounded_too_long_or_backwards_series_are_refused_with_a_message(self):
        first = datetime.datetime(2026, 12, 7, 9, 0)
        cases = {
            "Give an end date": Repeat(Frequency.WEEKLY),
            "before its first": Repeat(Frequency.WEEKLY, until=datetime.date(2026, 12, 1)),
            "at most 3 years": Repeat(Frequency.WEEKLY, until=datetime.date(2031, 1, 1)),
            "between 1 and": Repeat(Frequency.WEEKLY, count=0),
        }
        for message, repeat in cases.items():
            with self.subTest(message), self.assertRaisesMessage(RecurrenceError, message):
                local_starts(first, repeat)
