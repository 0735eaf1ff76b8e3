"""config/log_filters.py: the calendar feed's secret never reaches a log line."""

import logging

from django.test import SimpleTestCase

from config.log_filters import HideFeedSecret

TOKEN = "Zq3-live_feed-token"


def formatted(record_filter) -> str:
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Method Not Allowed (%s): %s",
        ("OPTIONS", f"/calendar/{TOKEN}.ics"),
        None,
    )
    if record_filter is not None:
        record_filter.filter(record)
    return record.getMessage()


class HideFeedSecretTests(SimpleTestCase):
    def test_the_secret_is_replaced_in_the_message_and_its_arguments(self):
        line = formatted(HideFeedSecret())
        self.assertNotIn(TOKEN, line)
        self.assertEqual(line, "Method Not Allowed (OPTIONS): /calendar/[secret].ics")

    def test_without_the_filter_the_line_holds_it_negative_control(self):
        self.assertIn(TOKEN, formatted(None))

    def test_other_paths_are_left_alone(self):
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/clients/",), None
        )
        HideFeedSecret().filter(record)
        self.assertEqual(record.getMessage(), "Not Found: /clients/")
