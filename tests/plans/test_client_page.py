"""The client page's "Treatment plan" section (clients.pages, filled by plans): the plan's
status and review date, each goal's objectives with the latest progress recorded, a link to the
plan; a way to start one when there is none."""

import datetime
from unittest import mock

from django.urls import reverse

from encryption.errors import RecordIntegrityError
from plans import pages, reading, services
from plans.models import NoteProgress
from sessions.models import TherapySession
from tests.base import make_client, make_plan, make_session
from tests.integrity.helpers import TamperTestCase, ledger_check_off, raw_set

from .helpers import PlanTestCase


class ClientPageTests(PlanTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def page(self, client=None):
        return self.client.get(reverse("client_detail", args=[(client or self.alice_client).pk]))

    def test_the_section_shows_goals_objectives_and_the_latest_progress(self):
        for day, rating in ((9, "worse"), (23, "some_progress")):
            note = make_session(self.alice_client, date=datetime.date(2026, 3, day))
            services.record_progress(
                session=note,
                user=self.alice,
                goals_addressed=["g1"],
                objectives={"o1": {"rating": rating, "comment": ""}},
            )
        response = self.page()
        self.assertContains(response, 'id="plan-heading"')
        self.assertContains(response, "Version 1 signed")
        self.assertContains(response, "Review 1 Jun 2026")
        self.assertContains(response, "Set limits with her mother")
        self.assertContains(response, "addressed in 2 notes")
        self.assertContains(
            response, '<span class="badge text-bg-info">Some progress</span>', html=True
        )
        self.assertNotContains(
            response, '<span class="badge text-bg-danger">Worse</span>', html=True
        )
        self.assertContains(response, "no progress yet", count=2)  # o2 and o3
        self.assertContains(response, reverse("plan_detail", args=[self.alice_client.pk]))

    def test_an_overdue_review_is_marked(self):
        other = make_client(self.alice, full_name="Overdue")
        make_plan(other, review_date=datetime.date(2020, 1, 1))
        self.assertContains(
            self.page(other), '<span class="badge text-bg-danger">overdue</span>', html=True
        )

    def test_a_client_without_a_plan_is_offered_one(self):
        other = make_client(self.alice, full_name="No Plan")
        response = self.page(other)
        self.assertContains(response, "No plan yet.")
        self.assertContains(response, reverse("plan_edit", args=[other.pk]))

    def test_a_draft_only_plan_says_so(self):
        other = make_client(self.alice, full_name="Drafting")
        make_plan(other, sign=False)
        self.assertContains(self.page(other), "A draft is being written")

    def test_bobs_client_page_shows_none_of_alices_plan(self):
        self.sign_in(self.bob)
        response = self.page(self.bob_client)
        self.assertContains(response, "No plan yet.")
        self.assertNotContains(response, "Set limits with her mother")


class SectionReadsTests(TamperTestCase):
    """The section takes each note's date and status from the sessions the page has already
    loaded and checked, rather than reading every note's session again; what it shows is still
    checked against the integrity ledger."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.signed = make_plan(cls.alice_client)
        cls.notes = [cls.note_with(day, rating) for day, rating in ((9, "worse"), (23, "achieved"))]
        cls.draft = make_plan(cls.alice_client, sign=False)

    @classmethod
    def note_with(cls, day: int, rating: str) -> TherapySession:
        note = make_session(cls.alice_client, date=datetime.date(2026, 3, day))
        services.record_progress(
            session=note,
            user=cls.alice,
            goals_addressed=["g1"],
            objectives={"o1": {"rating": rating, "comment": ""}},
        )
        return note

    def page_sessions(self) -> list:
        """The client's sessions as the client page loads them (checked as they are loaded)."""
        return list(self.alice_client.sessions.all())

    def section(self, sessions) -> dict:
        added = pages.client_page_plan(None, client=self.alice_client, sessions=sessions)
        return added["client_sections"][0][1]

    def test_the_section_reads_the_plan_in_four_queries_however_many_notes(self):
        # Counted because the section is on every client page (budget: 100 ms at p95): it once
        # joined every note's whole session row again (each one's ciphertexts loaded and hashed
        # against the ledger a second time) and read the signed version and the draft apart.
        # Four: both current versions in one query and the progress in one, each with its one
        # read of the ledger. Reading per note, or the sessions again, adds queries here.
        for extra_notes in (0, 1):
            if extra_notes:
                self.note_with(30, "some_progress")
            sessions = self.page_sessions()
            with self.assertNumQueries(4):
                section = self.section(sessions)
        self.assertEqual((section["latest"], section["draft"]), (self.signed, self.draft))
        entries = section["goals"][0]["objectives"][0]["entries"]
        self.assertEqual([e.rating for e in entries], ["worse", "achieved", "some_progress"])
        self.assertEqual(section["goals"][0]["notes"], 3)

    def test_the_page_sessions_give_what_reading_them_with_the_notes_gives(self):
        joined = reading.progress(self.alice_client)
        self.assertEqual(joined.notes, 2)
        self.assertEqual(reading.progress(self.alice_client, sessions=self.page_sessions()), joined)
        # A note whose session the caller did not pass is read with it.
        self.assertEqual(reading.progress(self.alice_client, sessions=[]), joined)

    def test_a_session_passed_unchecked_is_checked_before_it_is_shown(self):
        note = self.notes[1]
        raw_set(TherapySession, note.pk, date=datetime.date(2026, 1, 1))
        # .iterator() loads the rows without the ledger's check (as a careless caller might).
        unchecked = list(TherapySession.objects.filter(client=self.alice_client).iterator())
        with self.assertRaises(RecordIntegrityError) as caught:
            reading.progress(self.alice_client, sessions=unchecked)
        self.assertEqual(caught.exception.problem, "changed outside the application")
        # Negative control: without that check the changed date would be shown.
        with mock.patch("plans.reading.check_loaded"):
            shown = reading.progress(self.alice_client, sessions=unchecked)
        dates = [entry.date for entry in shown.by_objective["o1"]]
        self.assertIn(datetime.date(2026, 1, 1), dates)

    def test_progress_swapped_between_notes_outside_the_app_is_refused_on_the_client_page(self):
        url = reverse("client_detail", args=[self.alice_client.pk])
        self.assertContains(self.client.get(url), "Achieved")
        first, second = (NoteProgress.objects.get(session=note) for note in self.notes)
        # The notes' progress swapped (a plain column each; one note at a time): each row
        # still decrypts, so only the ledger tells.
        raw_set(NoteProgress, first.pk, session_id=self.alice_session.pk)
        raw_set(NoteProgress, second.pk, session_id=self.notes[0].pk)
        raw_set(NoteProgress, first.pk, session_id=self.notes[1].pk)
        self.assert_refused(url)
        # Negative control: without the ledger's check the page shows the swapped ratings.
        with ledger_check_off():
            response = self.client.get(url)
        self.assertContains(response, '<span class="badge text-bg-danger">Worse</span>', html=True)
