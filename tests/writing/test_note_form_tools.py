"""The writing aids on the note form (sessions.form_aids, filled by the writing app): the "Use
template" picker offers the therapist's own templates only, and the page script's data holds
their text and the snippets, never another therapist's."""

import html
import json
import re
from unittest import mock

from django.urls import reverse

from sessions import form_aids
from tests.base import PersonaTestCase

from .helpers import make_snippet, make_template


def picker_options(page: str) -> list[str]:
    found = re.search(r'<select id="use-template"[^>]*>(.*?)</select>', page, re.S)
    assert found, "no template picker on the page"
    return re.findall(r"<option value=\"[^\"]+\">([^<]*)</option>", found.group(1))


def aids_data(page: str) -> dict:
    found = re.search(r'id="writing-aids" data-aids="([^"]*)"', page)
    assert found, "no writing aids data on the page"
    return json.loads(html.unescape(found.group(1)))


class NoteFormToolsTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.soap = make_template(cls.alice, name="SOAP follow-up")
        cls.dap = make_template(
            cls.alice,
            name="DAP short",
            note_format="dap",
            sections={"data": "Data: ___."},
            plan="Homework: ___.",
        )
        make_snippet(cls.alice, trigger=";mse", text="Mental status: ___.")
        make_snippet(cls.alice, trigger=";hw", text="Homework reviewed.")
        make_template(cls.bob, name="Bob's private template", sections={"subjective": "B-only"})
        make_snippet(cls.bob, trigger=";bob", text="Bob's own phrase.")

    def form_page(self, user, url) -> str:
        self.sign_in(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_picker_offers_only_the_therapists_own_templates(self):
        urls = [
            reverse("session_create", args=[self.alice_client.pk]),
            reverse("session_edit", args=[self.alice_session.pk]),
        ]
        for url in urls:
            with self.subTest(url=url):
                page = self.form_page(self.alice, url)
                self.assertEqual(picker_options(page), ["SOAP follow-up (SOAP)", "DAP short (DAP)"])
                self.assertNotIn("Bob", page)

    def test_the_page_data_holds_the_templates_and_snippets_as_the_script_uses_them(self):
        page = self.form_page(self.alice, reverse("session_create", args=[self.alice_client.pk]))
        data = aids_data(page)
        self.assertEqual(
            data["snippets"], {";hw": "Homework reviewed.", ";mse": "Mental status: ___."}
        )
        self.assertEqual(
            data["templates"][str(self.dap.pk)],
            {
                "name": "DAP short",
                "format": "dap",
                "fields": {"section_data": "Data: ___.", "plan": "Homework: ___."},
            },
        )
        self.assertEqual(data["labels"]["section_data"], "Data")
        self.assertIn("Snippets:", page)
        self.assertIn("<code>;hw</code>, <code>;mse</code>", page)

    def test_another_therapist_gets_his_own_aids_on_his_client_form(self):
        page = self.form_page(self.bob, reverse("session_create", args=[self.bob_client.pk]))
        self.assertEqual(picker_options(page), ["Bob&#x27;s private template (SOAP)"])
        self.assertEqual(aids_data(page)["snippets"], {";bob": "Bob's own phrase."})
        self.assertNotIn("SOAP follow-up", page)
        self.assertNotIn("Mental status", page)

    def test_without_templates_there_is_no_picker_but_the_link_to_make_some(self):
        self.sign_in(self.alice)
        self.soap.delete()
        self.dap.delete()
        page = self.form_page(self.alice, reverse("session_create", args=[self.alice_client.pk]))
        self.assertNotIn('id="use-template"', page)
        self.assertIn(f'href="{reverse("writing_aids")}"', page)

    def test_the_note_form_works_without_any_form_aid_negative_control(self):
        with mock.patch.object(form_aids, "_providers", []):
            page = self.form_page(
                self.alice, reverse("session_create", args=[self.alice_client.pk])
            )
        self.assertIn('id="session-form"', page)
        self.assertNotIn("data-aids", page)
        self.assertNotIn('id="use-template"', page)


class MarkupInAidsTests(PersonaTestCase):
    PAYLOAD = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'

    def test_markup_in_a_name_or_a_snippet_is_text_on_the_note_form(self):
        make_template(self.alice, name=self.PAYLOAD, sections={"subjective": self.PAYLOAD})
        make_snippet(self.alice, trigger=";x", text=self.PAYLOAD)
        self.sign_in(self.alice)
        page = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
        html = page.content.decode()
        self.assertNotIn(self.PAYLOAD, html)
        self.assertNotIn("<img src=x", html)
        self.assertEqual(aids_data(html)["snippets"], {";x": self.PAYLOAD})
        (option,) = picker_options(html)
        self.assertTrue(option.startswith("&lt;/script&gt;"), option)
