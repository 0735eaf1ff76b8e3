"""Reading a calendar file (appointments.ics_import.parse): repeats expanded with their
exceptions and overrides at the right wall-clock times across daylight-saving changes, what is
skipped, the window, and every kind of unreadable file refused with one message."""

import datetime

from django.test import SimpleTestCase, override_settings

from appointments import clock
from appointments.ics_import import (
    MAX_FILE_BYTES,
    WINDOW_AHEAD,
    CalendarFileError,
    parse,
)
from tests.appointments.calendar_files import calendar, vevent

UTC = datetime.UTC
NOW = datetime.datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
D = datetime.datetime


def local(occurrence) -> datetime.datetime:
    return clock.local_naive(occurrence.start)


@override_settings(TIME_ZONE="Europe/London")
class RepeatsTests(SimpleTestCase):
    def test_weekly_with_an_exdate_and_a_moved_occurrence_across_the_spring_change(self):
        # Mondays at 10:00 from 15 March 2027; summer time starts on Sunday 28 March.
        data = calendar(
            vevent(
                "weekly-1",
                D(2027, 3, 15, 10),
                summary="Weekly session",
                lines=(
                    "RRULE:FREQ=WEEKLY;COUNT=6",
                    "EXDATE;TZID=Europe/London:20270322T100000",
                ),
            ),
            # The 5 April occurrence moved to Tuesday 6 April at 14:00, an hour long.
            vevent(
                "weekly-1",
                D(2027, 4, 6, 14),
                minutes=60,
                summary="Weekly session (moved)",
                lines=("RECURRENCE-ID;TZID=Europe/London:20270405T100000",),
            ),
        )
        parsed = parse(data, now=NOW)
        self.assertEqual(
            [local(o) for o in parsed.occurrences],
            [
                D(2027, 3, 15, 10),
                D(2027, 3, 29, 10),
                D(2027, 4, 6, 14),
                D(2027, 4, 12, 10),
                D(2027, 4, 19, 10),
            ],
        )
        # 10:00 GMT before the change is 10:00 UTC, 10:00 BST after it is 09:00 UTC.
        self.assertEqual(
            [o.start.astimezone(UTC).hour for o in parsed.occurrences], [10, 9, 13, 9, 9]
        )
        moved = parsed.occurrences[2]
        self.assertEqual((moved.minutes, moved.summary), (60, "Weekly session (moved)"))
        # The moved one keeps the instant it replaces as its identity (importing again after
        # moving it again finds it); the others their own start.
        self.assertEqual(moved.recurrence, "20270405T090000Z")
        self.assertEqual(parsed.occurrences[0].recurrence, "20270315T100000Z")
        self.assertEqual({o.minutes for o in parsed.occurrences if o is not moved}, {50})
        self.assertEqual(parsed.skipped, 0)

    def test_ten_stays_ten_when_summer_time_ends_and_until_is_inclusive(self):
        data = calendar(
            vevent(
                "autumn",
                D(2026, 10, 13, 10),
                lines=("RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20261110T100000Z",),
            )
        )
        parsed = parse(data, now=D(2026, 9, 1, tzinfo=UTC))
        self.assertEqual({local(o).time() for o in parsed.occurrences}, {datetime.time(10)})
        self.assertEqual([o.start.astimezone(UTC).hour for o in parsed.occurrences], [9, 10, 10])

    def test_a_moved_occurrence_in_new_york_time_and_an_rdate(self):
        data = calendar(
            vevent(
                "ny",
                D(2027, 3, 1, 9),
                tzid="America/New_York",
                lines=(
                    "RRULE:FREQ=WEEKLY;COUNT=3",
                    "RDATE;TZID=America/New_York:20270401T090000",
                ),
            )
        )
        parsed = parse(data, now=NOW)
        # New York changes on 14 March: 09:00 EST = 14:00 UTC, 09:00 EDT = 13:00 UTC.
        self.assertEqual(
            [o.start for o in parsed.occurrences],
            [
                D(2027, 3, 1, 14, tzinfo=UTC),
                D(2027, 3, 8, 14, tzinfo=UTC),
                D(2027, 3, 15, 13, tzinfo=UTC),
                D(2027, 4, 1, 13, tzinfo=UTC),
            ],
        )

    def test_a_cancelled_occurrence_and_a_whole_day_exdate_are_left_out(self):
        data = calendar(
            vevent(
                "c",
                D(2027, 2, 1, 10),
                lines=("RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;VALUE=DATE:20270208"),
            ),
            vevent(
                "c",
                D(2027, 2, 15, 10),
                lines=("RECURRENCE-ID;TZID=Europe/London:20270215T100000", "STATUS:CANCELLED"),
            ),
        )
        parsed = parse(data, now=NOW)
        self.assertEqual([local(o).date().day for o in parsed.occurrences], [1, 22])
        self.assertEqual(parsed.skipped, 1)  # the cancelled occurrence

    def test_a_moved_one_off_event_is_still_one_occurrence_and_the_same_one(self):
        data = calendar(
            vevent("once", D(2027, 2, 1, 10), minutes=45, summary="Intake"),
            vevent(
                "once",
                D(2027, 2, 2, 16),
                minutes=None,
                lines=("RECURRENCE-ID;TZID=Europe/London:20270201T100000",),
            ),
        )
        (only,) = parse(data, now=NOW).occurrences
        self.assertEqual((local(only), only.recurrence), (D(2027, 2, 2, 16), ""))
        # No end of its own: as long as the event; no title of its own: the event's.
        self.assertEqual((only.minutes, only.summary), (45, "Intake"))

    def test_an_endless_rule_stops_at_the_end_of_the_window(self):
        data = calendar(vevent("endless", D(2026, 6, 1, 10), lines=("RRULE:FREQ=WEEKLY",)))
        parsed = parse(data, now=NOW)
        last = parsed.occurrences[-1].start
        self.assertLess(last, NOW + WINDOW_AHEAD)
        self.assertGreater(last, NOW + WINDOW_AHEAD - datetime.timedelta(days=8))
        self.assertEqual(local(parsed.occurrences[0]), D(2026, 6, 1, 10))

    def test_a_rule_repeating_every_minute_is_not_an_appointment(self):
        data = calendar(vevent("m", D(2027, 1, 1, 10), lines=("RRULE:FREQ=MINUTELY",)))
        parsed = parse(data, now=NOW)
        self.assertEqual((parsed.occurrences, parsed.skipped), ([], 1))


@override_settings(TIME_ZONE="Europe/London")
class TimesAndSkippedEventsTests(SimpleTestCase):
    def test_floating_utc_and_zoned_times(self):
        data = calendar(
            vevent("floating", D(2027, 7, 1, 10), tzid=None),
            vevent("utc", D(2027, 7, 2, 10, tzinfo=UTC)),
            vevent("tokyo", D(2027, 7, 3, 10), tzid="Asia/Tokyo"),
        )
        starts = {o.uid: o.start for o in parse(data, now=NOW).occurrences}
        self.assertEqual(starts["floating"], D(2027, 7, 1, 9, tzinfo=UTC))  # read as BST
        self.assertEqual(starts["utc"], D(2027, 7, 2, 10, tzinfo=UTC))
        self.assertEqual(starts["tokyo"], D(2027, 7, 3, 1, tzinfo=UTC))

    def test_all_day_no_start_too_long_cancelled_and_out_of_range_are_skipped(self):
        data = calendar(
            ["BEGIN:VEVENT", "UID:allday", "DTSTART;VALUE=DATE:20270301", "END:VEVENT"],
            ["BEGIN:VEVENT", "UID:nostart", "SUMMARY:No start", "END:VEVENT"],
            vevent("long", D(2027, 3, 2, 8), minutes=11 * 60),
            vevent("cancelled", D(2027, 3, 3, 10), lines=("STATUS:CANCELLED",)),
            vevent("old", D(2020, 3, 3, 10)),
            vevent("kept", D(2027, 3, 4, 10), minutes=10 * 60),
        )
        parsed = parse(data, now=NOW)
        self.assertEqual([o.uid for o in parsed.occurrences], ["kept"])
        self.assertEqual(parsed.occurrences[0].minutes, 600)
        self.assertEqual(parsed.skipped, 5)

    def test_an_event_without_an_end_lasts_the_usual_fifty_minutes(self):
        data = calendar(vevent("open", D(2027, 3, 4, 10), minutes=None))
        self.assertEqual(parse(data, now=NOW).occurrences[0].minutes, 50)

    def test_the_same_event_twice_in_a_file_is_one_occurrence(self):
        event = vevent("twice", D(2027, 3, 4, 10))
        self.assertEqual(len(parse(calendar(event, event), now=NOW).occurrences), 1)


class UnreadableFilesTests(SimpleTestCase):
    GOOD = calendar(vevent("good", D(2027, 3, 4, 10)))

    def assertRefused(self, data: bytes, says: str):
        with self.assertRaises(CalendarFileError) as caught:
            parse(data, now=NOW)
        self.assertIn(says, str(caught.exception))
        self.assertNotIn("\n", str(caught.exception))
        return str(caught.exception)

    def test_every_kind_of_unreadable_file_is_one_message(self):
        cases = {
            "empty": (b"", "empty"),
            "blank": (b"  \r\n\r\n", "empty"),
            "text": (b"Dear Anna, see you Monday.\n", "not a calendar that can be read"),
            "binary": (bytes(range(256)) * 20, "not a calendar that can be read"),
            "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a calendar that can be read"),
            "truncated": (self.GOOD[: len(self.GOOD) // 2], "not a calendar that can be read"),
            "vcard": (
                b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nEND:VCARD\r\n",
                "not an iCalendar",
            ),
            "no events": (calendar(), "no events"),
            "bad date": (
                calendar(["BEGIN:VEVENT", "UID:x", "DTSTART:2027-13-45", "END:VEVENT"]),
                "DTSTART is not a valid date",
            ),
            "bad rule": (
                calendar(vevent("r", D(2027, 3, 4, 10), lines=("RRULE:FREQ=WEEKLY;BYDAY=XX",))),
                "Event 1 of the file",
            ),
        }
        for name, (data, says) in cases.items():
            with self.subTest(name):
                self.assertRefused(data, says)

    def test_the_message_never_quotes_the_file(self):
        data = b"Anna Quillfeather 10:00 Monday\r\n"
        message = self.assertRefused(data, "not a calendar")
        self.assertNotIn("Quillfeather", message)

    def test_a_file_over_the_limit_is_refused(self):
        data = self.GOOD + b" " * (MAX_FILE_BYTES - len(self.GOOD) + 1)
        self.assertRefused(data, "larger than 5 MB")

    def test_a_readable_file_is_read_positive_control(self):
        self.assertEqual(len(parse(self.GOOD, now=NOW).occurrences), 1)
