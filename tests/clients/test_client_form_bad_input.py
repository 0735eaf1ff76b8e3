"""Bad input on the client form: each mistake gets its own clear message, next to the field,
and the form comes back with everything that was typed (nothing typed is ever lost). No input
ever causes a server error."""

import datetime
import unicodedata

from django.urls import resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accounts.testing import sign_in
from clients.models import Client
from tests.base import PersonaTestCase
from tests.builders import LONG_NOTE, client_form
from tests.pages import RedisplayAssertions

ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def typed_client(**overrides) -> dict[str, str]:
    """The client form filled in with text HTML must escape, over several lines."""
    typed = {
        "full_name": "Ottilie O'Brien-Ærø <Tilly>",
        "preferred_name": "Tilly & Co",
        "pronouns": "she/her",
        "date_of_birth": "1979-04-12",
        "phone": "+44 20 7946 0958",
        "email": "ottilie@example.org",
        "address": '12 "Quay" Street\nBristol',
        "emergency_contact": "Brother <Ned>, 07700 900123",
        "referral_source": "GP & self-referral",
        "status": "active",
        "intake_date": "2026-01-05",
        "discharge_date": "",
        "presenting_concerns": LONG_NOTE,
        "general_notes": "Prefers mornings; 'no voicemail'.",
    }
    return client_form(**{**typed, **overrides})


class ClientFormBadInputTests(RedisplayAssertions, PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.count_before = Client.objects.count()

    def post(self, data):
        response = self.client.post(reverse("client_create"), data)
        self.assertEqual(Client.objects.count(), self.count_before)
        return response

    def test_the_valid_form_is_accepted_positive_control(self):
        response = self.client.post(reverse("client_create"), typed_client())
        self.assertEqual(response.status_code, 302)

    def test_a_date_of_birth_in_a_wrong_format_is_refused(self):
        for typed in ("31/02/2020", "yesterday", "2020-13-01"):
            with self.subTest(typed=typed):
                data = typed_client(date_of_birth=typed)
                response = self.post(data)
                self.assert_only_error(response, "date_of_birth", "Enter a valid date.")
                self.assert_redisplayed(response, data)

    def test_a_date_of_birth_in_the_future_is_refused(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        data = typed_client(date_of_birth=tomorrow.isoformat())
        response = self.post(data)
        self.assert_only_error(
            response, "date_of_birth", "The date of birth cannot be in the future."
        )
        self.assert_redisplayed(response, data)

    def test_an_email_that_is_not_one_is_refused(self):
        data = typed_client(email="ottilie at example dot org")
        response = self.post(data)
        self.assert_only_error(response, "email", "Enter a valid email address.")
        self.assert_redisplayed(response, data)

    def test_a_control_character_in_the_name_is_refused(self):
        data = typed_client(full_name="Ottilie\x07 O'Brien")
        response = self.post(data)
        self.assert_only_error(
            response,
            "full_name",
            "Remove the control character (code U+0007): it cannot be stored.",
        )
        self.assert_redisplayed(response, data)

    def test_a_discharge_date_before_the_intake_date_is_refused(self):
        data = typed_client(
            status="discharged", intake_date="2026-01-05", discharge_date="2025-12-01"
        )
        response = self.post(data)
        self.assert_only_error(
            response, "discharge_date", "The discharge date cannot be before the intake date."
        )
        self.assert_redisplayed(response, data)

    def test_bad_input_on_the_edit_form_leaves_the_stored_client_unchanged(self):
        url = reverse("client_edit", args=[self.alice_client.pk])
        data = typed_client(full_name="Renamed\x07", email="nope")
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.context["form"].errors), {"full_name", "email"})
        self.assert_redisplayed(response, data)
        stored = Client.objects.get(pk=self.alice_client.pk)
        self.assertEqual(stored.full_name, self.alice_client.full_name)
        self.assertEqual(stored.email, self.alice_client.email)


def _stripped(text: str) -> str:
    """What Django's CharField keeps: the text without leading and trailing whitespace."""
    return text.strip()


def _acceptable(text: str) -> bool:
    return not any(
        unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in _stripped(text)
    )


# Issue 13: a name needs a letter, digit, punctuation mark or symbol, and not only ones that
# draw nothing (the Hangul fillers, the blank braille pattern).
BLANK = set("\u115f\u1160\u3164\uffa0\u2800")


def _visible(name: str) -> bool:
    return any(unicodedata.category(c)[0] in "LNPS" and c not in BLANK for c in name)


FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class NoServerErrorTests(HypothesisTestCase, PersonaTestCase):
    """Whatever is typed, the answer is the form again (200) or a saved record (302)."""

    @FUZZ
    @given(name=st.text(max_size=250))
    def test_any_text_as_a_client_name_is_saved_exactly_or_refused_with_the_form(self, name):
        sign_in(self.client, self.alice)
        response = self.client.post(reverse("client_create"), typed_client(full_name=name))
        self.assertIn(response.status_code, (200, 302))
        valid = _acceptable(name) and 0 < len(_stripped(name)) <= 200 and _visible(name)
        self.assertEqual(response.status_code == 302, valid, response.status_code)
        if response.status_code == 302:
            client = Client.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
            self.assertEqual(client.full_name, _stripped(name))
