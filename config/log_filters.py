"""Log filters. The calendar feed's address is its key (appointments/feed_views.py), and so is a
client's questionnaire link (measures/link_views.py): wherever a log line would hold one
(django.request's "Not Found: <path>" or "Method Not Allowed: <path>", the CSRF refusal, the
integrity check naming the path, runserver's request lines), it is written as
/calendar/[secret].ics or /q/[secret]/. gunicorn's access log does the same
(config/gunicorn_logging.py)."""

import logging
import re

SECRET_PATH = re.compile(r"/calendar/[^/\s?\"']+\.ics")
SHOWN_AS = "/calendar/[secret].ics"
LINK_PATH = re.compile(r"/q/[^/\s?#\"']+")
LINK_SHOWN_AS = "/q/[secret]"


def hide_feed_secret(text: str) -> str:
    return LINK_PATH.sub(LINK_SHOWN_AS, SECRET_PATH.sub(SHOWN_AS, text))


class HideFeedSecret(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = hide_feed_secret(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_feed_secret(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                key: hide_feed_secret(arg) if isinstance(arg, str) else arg
                for key, arg in record.args.items()
            }
        return True
