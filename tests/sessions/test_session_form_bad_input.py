"""Bad input on the session form: each mistake gets its own clear message, next to the field,
and the form comes back with everything that was typed (nothing typed is ever lost). No input
ever causes a server error."""

import datetime
import unicodedata

from django.test import override_settings
from django.urls import resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accounts.testing import sign_in
from sessions.forms import THEME_FIELD_PREFIX
from sessions.models import TherapySession
from tests.base import PersonaTestCase
from tests.builders import LONG_NOTE, session_form
from tests.pages import RedisplayAssertions

ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def typed_session(theme_pk: int, **overrides) -> dict[str, str]:
    """The session form filled in with text HTML must escape, several lines and a theme."""
    today = timezone.localdate()
    typed = {
        "date": (today - datetime.timedelta(days=3)).isoformat(),
        "start_time": "14:10",
        "modality": "video",
        "mood_affect": 'Flat, "tired" <guarded>',
        "risk_level": "low",
        "risk_notes": "Denies intent & plan; knows the crisis line.",
        "interventions": "Chair work <two chairs>",
        "plan": "Write down one 'no' she said this week.",
        "next_appointment": (today + datetime.timedelta(days=4)).isoformat() + "T14:10",
        f"{THEME_FIELD_PREFIX}{theme_pk}": "2",
        "section_subjective": LONG_NOTE,
        "section_objective": "Eye contact & posture: 'closed'.",
        "section_assessment": "Shame <core> activated by the visit.",
    }
    return session_form(**{**typed, **overrides})


class SessionFormBadInputTests(RedisplayAssertions, PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.url = reverse("session_create", args=[self.alice_client.pk])
        self.count_before = TherapySession.objects.count()

    def data(self, **overrides):
        return typed_session(self.maternal_rejection.pk, **overrides)

    def post(self, data):
        response = self.client.post(self.url, data)
        self.assertEqual(TherapySession.objects.count(), self.count_before)
        return response

    def test_the_valid_form_is_accepted_positive_control(self):
        response = self.client.post(self.url, self.data())
        self.assertEqual(response.status_code, 302)

    def test_a_date_in_a_wrong_format_is_refused(self):
        for typed in ("next tuesday", "2026-02-30", "26.13.2026"):
            with self.subTest(typed=typed):
                data = self.data(date=typed)
                response = self.post(data)
                self.assert_only_error(response, "date", "Enter a valid date.")
                self.assert_redisplayed(response, data)

    def test_a_session_date_before_the_clients_birth_is_refused(self):
        data = self.data(date="1980-05-05")
        response = self.post(data)
        self.assert_only_error(
            response, "date", "The session date is before the client's date of birth (1988-06-01)."
        )
        self.assert_redisplayed(response, data)

    def test_a_negative_duration_is_refused(self):
        data = self.data(duration_minutes="-5")
        response = self.post(data)
        self.assert_only_error(
            response, "duration_minutes", "Ensure this value is greater than or equal to 1."
        )
        self.assert_redisplayed(response, data)

    def test_a_duration_of_zero_gets_the_same_message_as_a_negative_one(self):
        response = self.post(self.data(duration_minutes="0"))
        self.assert_only_error(
            response, "duration_minutes", "Ensure this value is greater than or equal to 1."
        )

    def test_a_duration_of_ten_thousand_minutes_is_refused(self):
        data = self.data(duration_minutes="10000")
        response = self.post(data)
        self.assert_only_error(
            response, "duration_minutes", "Ensure this value is less than or equal to 600."
        )
        self.assert_redisplayed(response, data)

    @override_settings(NOTE_MAX_CHARS=500)
    def test_a_section_over_the_maximum_note_length_is_refused(self):
        long_section = ("Too long <but> kept & shown." * 30)[:600]
        self.assertEqual(len(long_section.strip()), 600)
        data = self.data(section_subjective=long_section)
        response = self.post(data)
        self.assert_only_error(
            response,
            "section_subjective",
            "Ensure this value has at most 500 characters (it has 600).",
        )
        self.assert_redisplayed(response, data)

    @override_settings(NOTE_MAX_CHARS=500)
    def test_a_note_whose_sections_together_exceed_the_maximum_is_refused(self):
        data = self.data(
            section_subjective="S" * 300, section_objective="O" * 150, section_assessment="A" * 150
        )
        response = self.post(data)
        self.assert_only_error(
            response,
            "__all__",
            "The note is 600 characters long; the maximum is 500. "
            "Shorten it or move detail elsewhere.",
        )
        self.assert_redisplayed(response, data)

    @override_settings(NOTE_MAX_CHARS=500)
    def test_a_note_at_exactly_the_maximum_is_accepted_boundary(self):
        data = self.data(
            section_subjective="S" * 300, section_objective="O" * 100, section_assessment="A" * 100
        )
        self.assertEqual(self.client.post(self.url, data).status_code, 302)

    def test_a_control_character_in_a_section_is_refused(self):
        data = self.data(section_objective="Looked away\x07 when asked.")
        response = self.post(data)
        self.assert_only_error(
            response,
            "section_objective",
            "Remove the control character (code U+0007): it cannot be stored.",
        )
        self.assert_redisplayed(response, data)

    def test_bad_input_on_the_edit_form_leaves_the_stored_session_unchanged(self):
        url = reverse("session_edit", args=[self.alice_session.pk])
        data = self.data(
            duration_minutes="-1",
            section_subjective="Changed\x07",
            version=str(self.alice_session.version),
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            set(response.context["form"].errors), {"duration_minutes", "section_subjective"}
        )
        self.assert_redisplayed(response, data)
        stored = TherapySession.objects.get(pk=self.alice_session.pk)
        self.assertEqual(stored.note, self.alice_session.note)
        self.assertEqual(stored.duration_minutes, 50)


def _stripped(text: str) -> str:
    """What Django's CharField keeps: the text without leading and trailing whitespace."""
    return text.strip()


def _acceptable(text: str) -> bool:
    return not any(
        unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in _stripped(text)
    )


FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class NoServerErrorTests(HypothesisTestCase, PersonaTestCase):
    """Whatever is typed, the answer is the form again (200) or a saved record (302)."""

    @FUZZ
    @given(subjective=st.text(), objective=st.text(), mood=st.text(max_size=500))
    def test_any_text_in_the_note_is_saved_exactly_or_refused_with_the_form(
        self, subjective, objective, mood
    ):
        sign_in(self.client, self.alice)
        url = reverse("session_create", args=[self.alice_client.pk])
        data = typed_session(
            self.maternal_rejection.pk,
            section_subjective=subjective,
            section_objective=objective,
            section_assessment="",
            mood_affect=mood,
        )
        response = self.client.post(url, data)
        self.assertIn(response.status_code, (200, 302))
        valid = all(_acceptable(text) for text in (subjective, objective, mood))
        self.assertEqual(response.status_code == 302, valid, response.status_code)
        if response.status_code == 302:
            session = TherapySession.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
            self.assertEqual(session.note.get("subjective", ""), _stripped(subjective))
            self.assertEqual(session.note.get("objective", ""), _stripped(objective))
            self.assertEqual(session.mood_affect, _stripped(mood))
