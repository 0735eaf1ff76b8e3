"""What the client page reads for a long-seen client (issue 17: at 1,000 sessions, p95 under
150 ms). Loading and checking a session's row against the integrity ledger is most of the page's
time, so the page loads only the sessions it lists once no section asks for every session
(``clients.pages``: ``add_to_client_page(..., every_session=False)``); while one does, every
session is loaded and checked, as before. Either way a listed session changed outside the app,
or any session deleted outside it, refuses the page."""

from contextlib import contextmanager
from unittest import mock

from django.urls import reverse

from clients import pages
from integrity import check
from sessions.models import TherapySession
from tests.base import make_client
from tests.clients import test_client_page_sessions as session_pages
from tests.integrity.helpers import TamperTestCase, ledger_check_off, raw_delete, raw_set

SESSION_LABEL = TherapySession._meta.label_lower


class Recorder:
    """A section that notes the sessions it was given (their addresses, in order)."""

    def __init__(self) -> None:
        self.given: list[str] = []

    def __call__(self, request, *, client, sessions) -> dict:
        self.given = [session.get_absolute_url() for session in sessions]
        return {}


@contextmanager
def hashed_rows():
    """The ids of the session rows hashed against the ledger while in the block."""
    ids: list[str] = []
    real = check.row_digest

    def counted(label, row, *args, **kwargs):
        if label == SESSION_LABEL:
            ids.append(str(row["id"]))
        return real(label, row, *args, **kwargs)

    with mock.patch.object(check, "row_digest", counted):
        yield ids


class ReadingTests(TamperTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.long_client = make_client(cls.alice, full_name="Long Seen")
        cls.sessions = session_pages.make_sessions(cls.long_client, 60)
        cls.newest = session_pages.newest_first(cls.sessions)

    def page(self, query: str = ""):
        return self.client.get(reverse("client_detail", args=[self.long_client.pk]) + query)

    def listed_ids(self, count: int) -> list[str]:
        return [str(session.pk) for session in reversed(self.sessions)][:count]

    def test_with_no_section_asking_for_every_session_only_the_listed_are_read(self):
        section = Recorder()
        for query, count in (("", 25), ("?sessions=50", 50)):
            with self.subTest(query=query):
                sections = [(section, False)]
                with mock.patch.object(pages, "_contributors", sections), hashed_rows() as hashed:
                    response = self.page(query)
                self.assertEqual(session_pages.listed(response), self.newest[:count])
                self.assertEqual(section.given, self.newest[:count])
                self.assertEqual(sorted(hashed), sorted(self.listed_ids(count)))
                self.assertContains(response, '<span class="text-body-secondary fw-normal">(60)')
                self.assertContains(response, f"The newest {count} of 60.")

    def test_a_section_asking_for_every_session_gets_them_all_and_they_are_all_checked(self):
        every, listed_only = Recorder(), Recorder()
        sections = [(every, True), (listed_only, False)]
        with mock.patch.object(pages, "_contributors", sections), hashed_rows() as hashed:
            response = self.page()
        self.assertEqual(every.given, self.newest)
        self.assertEqual(listed_only.given, self.newest[:25])
        self.assertEqual(session_pages.listed(response), self.newest[:25])
        self.assertEqual(sorted(hashed), sorted(str(s.pk) for s in self.sessions))

    def test_registering_again_changes_only_what_the_section_is_given(self):
        section = Recorder()
        with mock.patch.object(pages, "_contributors", []):
            pages.add_to_client_page(section)
            self.assertTrue(pages.needs_every_session())
            pages.add_to_client_page(section, every_session=False)
            self.assertEqual(pages._contributors, [(section, False)])
            self.assertFalse(pages.needs_every_session())

    def test_a_listed_session_changed_outside_the_app_refuses_the_page(self):
        raw_set(TherapySession, self.sessions[-1].pk, duration_minutes=90)
        with mock.patch.object(pages, "_contributors", [(Recorder(), False)]):
            self.assert_refused(reverse("client_detail", args=[self.long_client.pk]))
            # Control: without the ledger's check the page would show it.
            with ledger_check_off():
                self.assertEqual(self.page().status_code, 200)

    def test_an_unlisted_session_deleted_outside_the_app_refuses_the_page(self):
        raw_delete(TherapySession, self.sessions[0].pk)  # the oldest: not listed
        with mock.patch.object(pages, "_contributors", [(Recorder(), False)]):
            self.assert_refused(reverse("client_detail", args=[self.long_client.pk]))

    def test_an_unlisted_session_changed_outside_the_app_is_refused_where_it_is_read(self):
        """What the page no longer does when no section asks for every session: the oldest
        note, changed outside the app, is not read by the page (nothing of it is shown there);
        its own page, which shows it, refuses it."""
        oldest = self.sessions[0]
        raw_set(TherapySession, oldest.pk, duration_minutes=90)
        with mock.patch.object(pages, "_contributors", [(Recorder(), False)]):
            response = self.page()
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(oldest.get_absolute_url(), session_pages.listed(response))
        self.assert_refused(oldest.get_absolute_url())

    def test_with_the_installed_sections_the_page_reads_only_the_listed_sessions(self):
        """No installed section asks for every session: the recurring themes come from the
        caseload cache, which checks every theme list when it reads them (a cold cache: the
        oldest note changed outside the app refuses the page), and reads them again only when
        the client's notes change (a warm one: the page shows the listed notes, and the changed
        note is refused where it is read)."""
        self.assertFalse(pages.needs_every_session())
        oldest = self.sessions[0]
        raw_set(TherapySession, oldest.pk, duration_minutes=90)
        self.assert_refused(reverse("client_detail", args=[self.long_client.pk]))
        raw_set(TherapySession, oldest.pk, duration_minutes=oldest.duration_minutes)
        self.assertEqual(self.page().status_code, 200)  # the cache read every session, checked
        raw_set(TherapySession, oldest.pk, duration_minutes=90)
        self.assertEqual(self.page().status_code, 200)
        self.assert_refused(oldest.get_absolute_url())
