"""gunicorn's access log without the calendar feed's secret: the feed's address is its key
(appointments/feed_views.py), so it is written as /calendar/[secret].ics."""

from gunicorn.glogging import Logger

from .log_filters import hide_feed_secret

# The atoms that hold the path: %(U)s, the request line %(r)s, the raw URI.
PATH_ATOMS = ("U", "r", "{raw_uri}e")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in PATH_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = hide_feed_secret(atoms[key])
        return atoms
