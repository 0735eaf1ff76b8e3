"""Shared by the session form, client page and dashboard tests: dana, a therapist with one
client, logging sessions through the new session form."""

import datetime
import re
from html import unescape

from django.test import TestCase
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.testing import sign_in
from sessions.models import TherapySession
from tests.base import make_client, make_therapist
from tests.builders import session_form
from themes.models import Theme


def theme_badges(response) -> list[tuple[str, str]]:
    """(theme name, intensity) of each theme badge on a session page, as shown, in order."""
    html = response.content.decode()
    found = re.findall(
        r'class="badge theme-badge[^"]*"[^>]*>([^<]+)<span class="visually-hidden"> \((\w+)\)',
        html,
    )
    return [(unescape(name), intensity) for name, intensity in found]


class SessionPagesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.dana = make_therapist("dana")
        cls.client_obj = make_client(
            cls.dana, full_name="Henrietta Lowestoft", date_of_birth=datetime.date(1990, 2, 14)
        )
        cls.rejection = Theme.objects.get(slug="maternal-rejection")
        cls.pleasing = Theme.objects.get(slug="people-pleasing")
        cls.guilt = Theme.objects.get(slug="guilt")

    def setUp(self):
        sign_in(self.client, self.dana)

    def new_session_url(self) -> str:
        return reverse("session_create", args=[self.client_obj.pk])

    def session_post(self, **overrides) -> dict[str, str]:
        """The new session form with the values the tests look for on the pages."""
        data = {
            "date": timezone.localdate().isoformat(),
            "modality": "video",
            "mood_affect": "Tearful, then brighter",
            "section_subjective": "Said her mother never once praised her.",
            "section_objective": "Spoke quickly, avoided eye contact when describing the visit.",
            "section_assessment": "Old rejection re-activated by the new baby.",
            "risk_level": "moderate",
            "risk_notes": "Passive thoughts, no plan; safety plan reviewed.",
            "interventions": "Psychoeducation on attachment",
            "plan": "Notice moments of self-criticism this week.",
            f"theme_{self.rejection.pk}": "3",
            f"theme_{self.pleasing.pk}": "1",
        }
        return session_form(**{**data, **overrides})

    def log(self, **overrides) -> TherapySession:
        response = self.client.post(self.new_session_url(), self.session_post(**overrides))
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        return TherapySession.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
