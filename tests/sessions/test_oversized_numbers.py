"""Numbers past their column's range (issue 13, item 4).

The session edit form refused for a missing risk level kept the post as a draft "based on" the
posted version, unbounded: 2**63 was a server error on SQLite, 2**31 on PostgreSQL (and stored
as it was on SQLite). Each number a page posts is now bounded by the column it goes to, with a
clear message; the text typed is kept. The fuzz pass over every integer field of every form is
tests/security/test_fuzz_forms.py (OversizedIntegerTests).
"""

from django.test import Client as HttpClient
from django.urls import reverse

from accounts.testing import sign_in
from sessions.models import SessionDraft, TherapySession
from tests.base import PersonaTestCase
from tests.builders import autosave_form, session_edit_form
from tests.pages import follow_messages, messages_of
from tests.security.integers import unbounded_integers

HUGE = [str(2**31), str(2**63), str(10**30)]
TYPED = "Typed after lunch: she named the fear for the first time."


class EditFormTests(PersonaTestCase):
    def setUp(self):
        self.http = HttpClient(raise_request_exception=False)
        sign_in(self.http, self.alice)
        self.url = reverse("session_edit", args=[self.alice_session.pk])

    def test_a_huge_version_without_a_risk_level_is_refused_and_the_text_kept(self):
        for version in HUGE:
            with self.subTest(version=version):
                SessionDraft.objects.all().delete()
                data = session_edit_form(
                    self.alice_session, version=version, risk_level="", section_subjective=TYPED
                )
                response = self.http.post(self.url, data)
                self.assertEqual(response.status_code, 200)
                page = response.content.decode()
                self.assertIn("names a version of the note that cannot exist", page)
                self.assertIn("Choose a risk level for this session.", page)
                self.assertIn(TYPED, page)
                draft = SessionDraft.objects.get()
                self.assertEqual(draft.payload["section_subjective"], TYPED)
                self.assertEqual(draft.base_version, self.alice_session.version)
                self.assertEqual(unbounded_integers(), [])
        stored = TherapySession.objects.get(pk=self.alice_session.pk)
        self.assertNotEqual(stored.note.get("subjective"), TYPED)

    def test_the_largest_version_that_fits_is_kept_with_the_draft(self):
        largest = str(2**31 - 1)
        data = session_edit_form(self.alice_session, version=largest, risk_level="")
        self.assertEqual(self.http.post(self.url, data).status_code, 200)
        self.assertEqual(SessionDraft.objects.get().base_version, 2**31 - 1)

    def test_a_huge_duration_is_a_form_error(self):
        for minutes in HUGE:
            with self.subTest(minutes=minutes):
                data = session_edit_form(self.alice_session, duration_minutes=minutes)
                response = self.http.post(self.url, data)
                self.assertEqual(response.status_code, 200)
                self.assertIn("less than or equal to 600", response.content.decode())
        self.assertEqual(unbounded_integers(), [])


class AutosaveTests(PersonaTestCase):
    def setUp(self):
        self.http = HttpClient(raise_request_exception=False)
        sign_in(self.http, self.alice)

    def post(self, **numbers):
        key = "5b7f3f1c-3f52-4b33-9d1e-0c4b2a9e1a11"
        numbers = {"seq": "1", "base_version": "1", **numbers}
        data = autosave_form(
            client=self.alice_client,
            session=self.alice_session,
            section_subjective=TYPED,
            **numbers,
        )
        return self.http.post(reverse("draft_autosave", args=[key]), data)

    def test_huge_sequence_numbers_and_versions_are_refused(self):
        # seq is a bigint: 2**31 fits it.
        for name, huge in (("seq", HUGE[1:]), ("base_version", HUGE)):
            for number in [*huge, "-1", "1e9", "\u0661\u0662"]:
                with self.subTest(name=name, number=number):
                    response = self.post(**{name: number})
                    self.assertEqual(response.status_code, 400)
                    self.assertEqual(response.json()["status"], "invalid")
        self.assertFalse(SessionDraft.objects.exists())

    def test_the_largest_numbers_that_fit_are_stored(self):
        response = self.post(seq=str(2**63 - 1), base_version=str(2**31 - 1))
        self.assertEqual(response.status_code, 200)
        draft = SessionDraft.objects.get()
        self.assertEqual((draft.seq, draft.base_version), (2**63 - 1, 2**31 - 1))


class VersionedButtonsTests(PersonaTestCase):
    """Sign, accept and dismiss name the version they were loaded with."""

    def setUp(self):
        self.http = HttpClient(raise_request_exception=False)
        sign_in(self.http, self.alice)

    def test_a_huge_version_signs_nothing_and_says_the_note_changed(self):
        for version in HUGE:
            with self.subTest(version=version):
                response = self.http.post(
                    reverse("session_sign", args=[self.alice_session.pk]), {"version": version}
                )
                [message] = follow_messages(self.http, response)
                self.assertTrue(message.startswith("The note changed since you opened it"))
        self.assertEqual(TherapySession.objects.get(pk=self.alice_session.pk).status, "draft")

    def test_a_version_that_is_no_number_is_refused_with_a_message(self):
        for version in ("-1", "1e9", "\u0661\u0662", " 1"):  # ١٢: Arabic-Indic digits
            with self.subTest(version=version):
                response = self.http.post(
                    reverse("session_sign", args=[self.alice_session.pk]), {"version": version}
                )
                self.assertEqual(
                    follow_messages(self.http, response),
                    ["The sign request did not say which version to sign. Try again."],
                )

    def test_accept_and_dismiss_with_a_huge_version_change_nothing(self):
        theme = self.maternal_rejection.pk + 1
        before = TherapySession.objects.get(pk=self.alice_session.pk)
        for route in ("session_accept_theme", "session_dismiss_theme"):
            for version in HUGE:
                with self.subTest(route=route, version=version):
                    url = reverse(route, args=[self.alice_session.pk])
                    response = self.http.post(url, {"theme": theme, "version": version})
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(messages_of(self.http.get(response["Location"])))
        after = TherapySession.objects.get(pk=self.alice_session.pk)
        self.assertEqual(
            (after.version, after.themes, after.dismissed_themes),
            (
                before.version,
                before.themes,
                before.dismissed_themes,
            ),
        )
