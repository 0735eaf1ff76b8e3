"""Repeat rules that give no date at all (30 February, a daily rule filtered by day of month)
would make dateutil search until the year 9999: they are skipped and counted, and the rest of
the calendar is read."""

from unittest import mock

from django.test import SimpleTestCase

from appointments import ics_import

from .calendar_files import calendar, local_now_plus, vevent

NEVER = [
    "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "RRULE:FREQ=WEEKLY;BYYEARDAY=400",
    "RRULE:FREQ=MONTHLY;BYMONTH=4,6;BYMONTHDAY=31",
    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30,31",
]


class NeverOccurringRuleTests(SimpleTestCase):
    def test_each_is_skipped_and_the_other_events_are_read(self):
        start = local_now_plus(3)
        events = [vevent(f"never-{n}@x", start, lines=(rule,)) for n, rule in enumerate(NEVER)]
        events.append(vevent("weekly@x", start, lines=("RRULE:FREQ=WEEKLY;COUNT=3",)))
        parsed = ics_import.parse(calendar(*events))
        self.assertEqual(parsed.skipped, len(NEVER))
        self.assertEqual(len(parsed.occurrences), 3)

    def test_dateutil_is_never_asked_to_expand_them(self):
        start = local_now_plus(3)
        ics = calendar(*(vevent(f"never-{n}@x", start, lines=(r,)) for n, r in enumerate(NEVER)))
        with mock.patch.object(ics_import.rrule, "rrulestr") as rrulestr:
            ics_import.parse(ics)
        rrulestr.assert_not_called()

    def test_an_ordinary_monthly_rule_is_still_expanded_negative_control(self):
        start = local_now_plus(3)
        ics = calendar(vevent("monthly@x", start, lines=("RRULE:FREQ=MONTHLY;COUNT=2",)))
        self.assertEqual(len(ics_import.parse(ics).occurrences), 2)

    def test_a_file_whose_rules_take_too_long_is_refused_with_a_message(self):
        start = local_now_plus(3)
        ics = calendar(
            *(vevent(f"w{n}@x", start, lines=("RRULE:FREQ=WEEKLY;COUNT=2",)) for n in range(3))
        )
        with (
            mock.patch.object(ics_import, "EXPAND_SECONDS", -1.0),
            self.assertRaisesMessage(ics_import.CalendarFileError, "take too long to expand"),
        ):
            ics_import.parse(ics)
