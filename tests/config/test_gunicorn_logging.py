"""The access log never holds a working calendar feed address (config/gunicorn_logging.py)."""

import datetime

from django.test import SimpleTestCase
from gunicorn.config import Config
from gunicorn.glogging import Logger

from config.gunicorn_logging import RedactingLogger

TOKEN = "Zq3-secret_token-value"
PATH = f"/calendar/{TOKEN}.ics"


class _Response:
    status = "200 OK"
    headers = []
    response_length = 120
    sent = 120


class _Request:
    method = "GET"
    path = PATH
    query = ""
    uri = PATH
    version = (1, 1)
    headers = []


def logged_line(logger_class) -> str:
    config = Config()
    config.set("access_log_format", '%(h)s "%(m)s %(U)s %(H)s" "%(r)s" %(s)s')
    logger = logger_class(config)
    environ = {
        "REMOTE_ADDR": "192.0.2.1",
        "RAW_URI": PATH,
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": PATH,
        "QUERY_STRING": "",
    }
    atoms = logger.atoms(_Response(), _Request(), environ, datetime.timedelta(milliseconds=5))
    return config.access_log_format % atoms


class AccessLogTests(SimpleTestCase):
    def test_the_feed_address_is_logged_without_its_secret(self):
        line = logged_line(RedactingLogger)
        self.assertNotIn(TOKEN, line)
        self.assertIn("/calendar/[secret].ics", line)

    def test_gunicorns_own_logger_would_write_it_negative_control(self):
        self.assertIn(TOKEN, logged_line(Logger))

    def test_the_production_config_uses_the_redacting_logger(self):
        from pathlib import Path

        conf = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"
        namespace: dict = {"__file__": str(conf)}
        exec(compile(conf.read_text(), str(conf), "exec"), namespace)  # noqa: S102
        self.assertEqual(namespace["logger_class"], "config.gunicorn_logging.RedactingLogger")
