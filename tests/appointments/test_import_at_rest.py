"""An imported calendar's event titles (which name clients) and places are not in the raw
database: the title is used for matching and not stored; the place is stored encrypted. Written
through the real pages and committed, then the database file (or a pg_dump) is searched
(tests/scanning.py); the negative control shows the same scan finding a title stored plainly."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse

from accounts.testing import sign_in_through_pages
from appointments.models import Appointment
from tests.appointments.calendar_files import calendar, local_now_plus, vevent
from tests.base import PASSWORD, make_client, make_therapist
from tests.scanning import hits, new_canary, raw_database_bytes


class ImportedEventsAtRestTests(TransactionTestCase):
    serialized_rollback = True

    def setUp(self):
        self.alice = make_therapist("alice")
        self.anna = make_client(self.alice, full_name="Anna Kowalski")
        response = sign_in_through_pages(self.client, "alice", PASSWORD)
        self.assertEqual(response.status_code, 302)

    def test_titles_and_places_of_imported_events_are_not_in_the_raw_database(self):
        title = new_canary("title")
        place = new_canary("place")
        data = calendar(
            vevent(
                "a@x",
                local_now_plus(2),
                summary=f"Anna Kowalski {title}",
                lines=(f"LOCATION:{place}", "RRULE:FREQ=WEEKLY;COUNT=3"),
            )
        )
        upload = SimpleUploadedFile("c.ics", data, content_type="text/calendar")
        response = self.client.post(reverse("calendar_import"), {"calendar": upload})
        self.assertEqual(response.status_code, 302)
        response = self.client.post(reverse("calendar_import_review"), {"action": "import"})
        self.assertEqual(response.status_code, 302)
        # Positive control: imported, the place readable through the app.
        self.assertEqual(
            [a.location for a in Appointment.objects.filter(client=self.anna)], [place] * 3
        )
        self.assertTrue(connection.get_autocommit(), "the writes must be committed")
        self.assertEqual(hits(raw_database_bytes(), [title, place]), [])

    def test_the_scan_finds_a_title_stored_without_encryption_negative_control(self):
        title = new_canary("title")
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE canary_control (id integer primary key, body text)")
        self.addCleanup(self._drop_control_table)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO canary_control (id, body) VALUES (1, %s)", [title])
        self.assertIn(f"{title!r} (utf-8)", hits(raw_database_bytes(), [title]))

    def _drop_control_table(self):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS canary_control")
