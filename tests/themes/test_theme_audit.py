"""The theme pages show part of a client's record (which themes their sessions touched,
excerpts of notes, the themes left out of suggestions): each view is audited once, with the
client and never the theme or any text."""

from django.urls import reverse

from audit.models import Action
from tests.audit.helpers import new_entries
from tests.base import PersonaTestCase


class ThemePageAuditTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def pages(self) -> list[str]:
        client = self.alice_client.pk
        return [
            reverse("client_themes", args=[client]),
            reverse("client_theme_sessions", args=[client, self.maternal_rejection.slug]),
            reverse("client_theme_exclusions", args=[client]),
        ]

    def test_each_page_writes_one_view_of_the_client(self):
        for url in self.pages():
            with self.subTest(url), new_entries() as entries:
                self.assertEqual(self.client.get(url).status_code, 200)
            self.assertEqual([e.action for e in entries], [Action.VIEW_CLIENT])
            self.assertEqual(entries[0].client_code, self.alice_client.code)
            stored = " ".join(str(value) for value in entries[0].__dict__.values())
            self.assertNotIn("Maternal", stored)
            self.assertNotIn("maternal", stored)

    def test_another_therapists_client_is_a_404_and_no_view_is_logged(self):
        self.sign_in(self.bob)
        for url in self.pages():
            with self.subTest(url), new_entries() as entries:
                self.assertEqual(self.client.get(url).status_code, 404)
            self.assertNotIn(Action.VIEW_CLIENT, [e.action for e in entries])
