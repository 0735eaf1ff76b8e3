"""Notes without the themes app (sessions.tagging, clients.pages): clients and sessions sit
below themes, so their pages get theme fields, suggestions and badges only from what themes
registers. Without it a note is written, shown and listed with no theme anywhere."""

from unittest import mock

from django.urls import reverse

from accounts.testing import sign_in
from clients import pages
from sessions import tagging
from sessions.forms import SessionForm
from sessions.models import TherapySession
from tests.base import PersonaTestCase
from tests.builders import session_form


class WithoutThemesTests(PersonaTestCase):
    def setUp(self):
        sign_in(self.client, self.alice)

    def form_fields(self) -> list[str]:
        form = SessionForm(client=self.alice_client, instance=TherapySession())
        return [name for name in form.fields if name.startswith("theme_")]

    def pages(self) -> list[str]:
        return [
            self.alice_session.get_absolute_url(),
            reverse("dashboard"),
            reverse("client_detail", args=[self.alice_client.pk]),
        ]

    def test_the_themes_app_gives_the_form_and_pages_their_themes_negative_control(self):
        self.assertIn(f"theme_{self.maternal_rejection.pk}", self.form_fields())
        for url in self.pages():
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Maternal rejection")

    def test_a_note_is_written_and_shown_with_no_theme_anywhere(self):
        with (
            mock.patch.object(tagging, "_provider", tagging.NoThemes()),
            mock.patch.object(pages, "_contributors", []),
        ):
            self.assertEqual(self.form_fields(), [])
            page = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
            self.assertEqual(page.status_code, 200)
            self.assertNotContains(page, 'name="theme_')
            data = session_form(section_subjective="Spoke about her mother's visit.")
            data[f"theme_{self.maternal_rejection.pk}"] = "3"  # from a page made before
            response = self.client.post(
                reverse("session_create", args=[self.alice_client.pk]), data
            )
            self.assertEqual(response.status_code, 302)
            session = TherapySession.objects.get(pk=response.url.split("/")[-2])
            self.assertEqual(session.note, {"subjective": "Spoke about her mother's visit."})
            self.assertEqual(session.themes, [])
            for url in [session.get_absolute_url(), *self.pages()]:
                with self.subTest(url=url):
                    shown = self.client.get(url)
                    self.assertEqual(shown.status_code, 200)
                    self.assertNotContains(shown, "Maternal rejection")
