"""The calendar import pages: upload, review (matched per client, unmatched groups given a
client or skipped), import; idempotent; an unreadable file is one message and changes nothing;
the parsed events wait between the steps sealed, never in plaintext."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appointments import ics_import
from appointments.models import Appointment, Series
from audit.models import Action, AuditEvent
from tests.appointments.calendar_files import calendar, local_now_plus, vevent
from tests.base import PersonaTestCase, make_client
from tests.pages import follow_messages
from tests.scanning import new_canary

UPLOAD = reverse("calendar_import")
REVIEW = reverse("calendar_import_review")


def upload(data: bytes, name: str = "calendar.ics") -> dict:
    return {"calendar": SimpleUploadedFile(name, data, content_type="text/calendar")}


class ImportCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.elodie = make_client(cls.alice, full_name="Élodie Durand")
        cls.file = calendar(
            # alice's first client by code, weekly, four times.
            vevent(
                "weekly@example",
                local_now_plus(2, 9),
                summary=f"{cls.alice_client.code} weekly",
                lines=("RRULE:FREQ=WEEKLY;COUNT=4",),
            ),
            vevent("elodie@example", local_now_plus(3, 11), summary="elodie durand"),
            vevent(
                "jo@example",
                local_now_plus(4, 15),
                summary="Supervision with Jo",
                lines=("RRULE:FREQ=WEEKLY;COUNT=3",),
            ),
            vevent("dentist-1", local_now_plus(5, 8), summary="Dentist"),
            vevent("dentist-2", local_now_plus(40, 8), summary="dentist"),
            ["BEGIN:VEVENT", "UID:holiday", "DTSTART;VALUE=DATE:20270101", "END:VEVENT"],
        )

    def setUp(self):
        self.sign_in(self.alice)

    def review_page(self):
        response = self.client.post(UPLOAD, upload(self.file))
        self.assertRedirects(response, REVIEW, fetch_redirect_response=False)
        return self.client.get(REVIEW)

    def groups(self, response) -> dict[str, str]:
        """{summary: field name} of the unmatched groups on the page."""
        return {group.summary: group.field_name for group in response.context["form"].groups}

    def rows(self):
        return sorted(
            (str(a.pk), a.client_id, a.start, a.duration_minutes, a.updated_at)
            for a in Appointment.objects.all()
        )


class UploadReviewImportTests(ImportCase):
    def test_the_review_counts_matched_events_per_client_and_groups_the_rest(self):
        response = self.review_page()
        self.assertEqual(response.status_code, 200)
        matched = {client: n for client, n in response.context["matched"]}
        self.assertEqual(matched, {self.alice_client: 4, self.elodie: 1})
        groups = response.context["form"].groups
        self.assertEqual(
            [(g.summary, g.count) for g in groups], [("Supervision with Jo", 3), ("Dentist", 2)]
        )
        self.assertContains(response, "5 matched")
        self.assertContains(response, "5 unmatched")
        self.assertContains(response, "1 skipped")
        self.assertContains(response, "<progress", html=False)
        self.assertFalse(Appointment.objects.exists())  # nothing imported before "Import"

    def test_importing_with_a_group_given_a_client_and_one_skipped(self):
        fields = self.groups(self.review_page())
        response = self.client.post(
            REVIEW,
            {
                fields["Supervision with Jo"]: str(self.elodie.pk),
                fields["Dentist"]: "",
                "action": "import",
            },
        )
        self.assertRedirects(response, reverse("appointment_week"), fetch_redirect_response=False)
        by_client = {
            client: Appointment.objects.filter(client=client).count()
            for client in (self.alice_client, self.elodie, self.bob_client)
        }
        self.assertEqual(by_client, {self.alice_client: 4, self.elodie: 4, self.bob_client: 0})
        self.assertFalse(Series.objects.exists())
        self.assertEqual(set(Appointment.objects.values_list("duration_minutes", flat=True)), {50})
        self.assertEqual(len(set(Appointment.objects.values_list("import_key", flat=True))), 8)
        self.assertEqual(AuditEvent.objects.filter(action=Action.CALENDAR_IMPORTED).count(), 1)
        self.assertIn(
            "Calendar imported: 8 appointments added, 2 not imported (no client chosen), 1 skipped",
            " ".join(follow_messages(self.client, response)),
        )
        # Done: the uploaded events are gone from the session.
        self.assertNotIn(ics_import.SESSION_KEY, self.client.session)

    def test_importing_the_same_calendar_twice_adds_nothing_the_second_time(self):
        fields = self.groups(self.review_page())
        choice = {fields["Supervision with Jo"]: str(self.elodie.pk), "action": "import"}
        self.client.post(REVIEW, choice)
        before = self.rows()
        self.assertEqual(len(before), 8)
        fields = self.groups(self.review_page())
        self.assertContains(self.client.get(REVIEW), "5 of the matched events were imported before")
        response = self.client.post(REVIEW, {fields["Supervision with Jo"]: str(self.elodie.pk)})
        self.assertIn(
            "0 appointments added, 8 already imported before",
            " ".join(follow_messages(self.client, response)),
        )
        self.assertEqual(self.rows(), before)
        self.assertEqual(AuditEvent.objects.filter(action=Action.CALENDAR_IMPORTED).count(), 1)

    def test_a_client_that_is_not_alices_cannot_be_chosen(self):
        fields = self.groups(self.review_page())
        response = self.client.post(
            REVIEW, {fields["Supervision with Jo"]: str(self.bob_client.pk), "action": "import"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        self.assertContains(response, "Please choose a client from the list")
        self.assertFalse(Appointment.objects.exists())
        # Bob's client is not even offered.
        self.assertNotContains(response, "Bob&#x27;s Own Client")

    def test_discarding_the_upload_imports_nothing(self):
        self.review_page()
        response = self.client.post(REVIEW, {"action": "cancel"})
        self.assertRedirects(response, UPLOAD, fetch_redirect_response=False)
        self.assertFalse(Appointment.objects.exists())
        self.assertNotIn(ics_import.SESSION_KEY, self.client.session)

    def test_the_review_without_an_upload_sends_back_to_the_form(self):
        response = self.client.get(REVIEW)
        self.assertRedirects(response, UPLOAD, fetch_redirect_response=False)
        response = self.client.post(REVIEW, {"action": "import"})
        self.assertRedirects(response, UPLOAD, fetch_redirect_response=False)


class ProgressChunksTests(ImportCase):
    """What static/js/calendar_import.js posts: the events in chunks, answered in JSON."""

    def test_chunks_import_everything_once_and_report_progress(self):
        fields = self.groups(self.review_page())
        choice = {fields["Supervision with Jo"]: str(self.elodie.pk), "action": "import"}
        answers, offset = [], 0
        while True:
            response = self.client.post(REVIEW, {**choice, "offset": offset, "limit": 4})
            self.assertEqual(response["Content-Type"], "application/json")
            body = response.json()
            answers.append((body["next"], body["created"], body["done"]))
            if body["done"]:
                break
            offset = body["next"]
        self.assertEqual(answers, [(4, 3, False), (8, 4, False), (10, 1, True)])
        self.assertEqual(body["total"], 10)
        self.assertEqual(Appointment.objects.count(), 8)
        self.assertNotIn(ics_import.SESSION_KEY, self.client.session)
        # After the last chunk, the import is over.
        response = self.client.post(REVIEW, {**choice, "offset": 0, "limit": 4})
        self.assertEqual(response.status_code, 409)

    def test_a_chunk_sent_twice_adds_nothing_twice(self):
        fields = self.groups(self.review_page())
        choice = {fields["Dentist"]: "", "offset": 0, "limit": 6}
        first = self.client.post(REVIEW, choice).json()
        again = self.client.post(REVIEW, choice).json()
        self.assertEqual((first["created"], again["created"], again["duplicates"]), (3, 0, 3))
        self.assertEqual(Appointment.objects.count(), 3)

    def test_a_bad_chunk_is_a_json_refusal(self):
        self.review_page()
        response = self.client.post(REVIEW, {"offset": "-1", "limit": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["status"], "invalid")
        self.assertFalse(Appointment.objects.exists())


class UnreadableFileTests(ImportCase):
    def assertRefused(self, data: bytes, says: str, name: str = "calendar.ics"):
        audit_before = AuditEvent.objects.count()
        response = self.client.post(UPLOAD, upload(data, name))
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors["calendar"]
        self.assertEqual(len(errors), 1, errors)
        self.assertIn(says, errors[0])
        self.assertContains(response, "Nothing was imported.")
        self.assertFalse(Appointment.objects.exists())
        self.assertFalse(Series.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), audit_before)
        self.assertNotIn(ics_import.SESSION_KEY, self.client.session)

    def test_every_kind_of_unreadable_file_is_one_message_and_changes_nothing(self):
        cases = {
            "empty": (b"", "empty"),
            "not a calendar": (b"Anna, Monday 10:00\n", "not a calendar that can be read"),
            "binary": (bytes(range(256)) * 50, "not a calendar that can be read"),
            "truncated": (self.file[: len(self.file) // 2], "not a calendar that can be read"),
            "bad date": (
                calendar(["BEGIN:VEVENT", "UID:x", "DTSTART:20271345T250000", "END:VEVENT"]),
                "not a valid date",
            ),
            "no events": (calendar(), "no events"),
            "only all-day events": (
                calendar(["BEGIN:VEVENT", "UID:d", "DTSTART;VALUE=DATE:20270101", "END:VEVENT"]),
                "None of the calendar's events can be imported (1 left out",
            ),
        }
        for label, (data, says) in cases.items():
            with self.subTest(label):
                self.assertRefused(data, says)

    def test_a_file_over_five_megabytes_is_refused_with_the_limit(self):
        data = self.file + b" " * (ics_import.MAX_FILE_BYTES + 1)
        self.assertRefused(data, "larger than 5 MB")

    def test_no_file_at_all_is_a_form_error(self):
        response = self.client.post(UPLOAD, {})
        self.assertEqual(response.status_code, 200)
        self.assertIn("calendar", response.context["form"].errors)

    def test_a_readable_file_is_accepted_positive_control(self):
        response = self.client.post(UPLOAD, upload(self.file))
        self.assertRedirects(response, REVIEW, fetch_redirect_response=False)


class WaitingEventsAreSealedTests(ImportCase):
    """Between the upload and the review, the events (summaries may name clients) are in the
    session sealed with the field keys and bound to the therapist."""

    def test_the_session_holds_no_summary_in_plaintext(self):
        canary = new_canary("summary")
        data = calendar(vevent("c@example", local_now_plus(2), summary=f"{canary} C-0001"))
        self.client.post(UPLOAD, upload(data))
        stored = self.client.session[ics_import.SESSION_KEY]
        self.assertNotIn(canary, json.dumps(stored, ensure_ascii=False))
        self.assertNotIn(canary.encode(), self.client.session.session_key.encode())
        # Positive control: it is there, sealed, and opens for alice only.
        batch = ics_import.open_batch(stored, self.alice)
        self.assertEqual(batch.events[0].summary, f"{canary} C-0001")
        self.assertIsNone(ics_import.open_batch(stored, self.bob))
        tampered = {**stored, "sealed": stored["sealed"][:-8] + "AAAAAAA="}
        self.assertIsNone(ics_import.open_batch(tampered, self.alice))


class ManyUnmatchedTitlesTests(PersonaTestCase):
    """A calendar with more distinct unmatched titles than the review offers: the largest
    groups are offered, the rest are counted and not imported, and the review post stays
    within the server's field limit (it used to be refused as too many fields)."""

    def test_the_review_offers_the_largest_groups_and_the_post_goes_through(self):
        from appointments.import_views import REVIEW_GROUPS

        self.sign_in(self.alice)
        events = [
            vevent(f"p{n}@x", local_now_plus(1 + n % 300, 9), summary=f"Person number {n}")
            for n in range(1_100)
        ]
        events.append(
            vevent(
                "big@x",
                local_now_plus(2, 10),
                summary="Weekly supervision",
                lines=("RRULE:FREQ=WEEKLY;COUNT=5",),
            )
        )
        self.client.post(UPLOAD, upload(calendar(*events)))
        page = self.client.get(REVIEW)
        groups = page.context["form"].groups
        self.assertEqual(len(groups), REVIEW_GROUPS)
        self.assertEqual(groups[0].summary, "Weekly supervision")
        self.assertContains(page, f"{1_101 - REVIEW_GROUPS} more titles")
        data = {field: "" for field in (g.field_name for g in groups)}
        data[groups[0].field_name] = str(self.alice_client.pk)
        response = self.client.post(REVIEW, {**data, "action": "import"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Appointment.objects.filter(client=self.alice_client).count(), 5)
