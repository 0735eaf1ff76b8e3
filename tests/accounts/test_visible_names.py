"""A name must hold a character that can be seen (issue 13, item 8).

A zero-width space alone was accepted as a client's full name: Python's strip() and Django's
"required" both take it for text. Client names, account names and theme names now need at
least one visible character; the form comes back with the error and with everything typed.
"""

import io
import sys
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import names
from accounts.models import Account
from accounts.testing import sign_in
from clients.models import Client
from tests.base import PersonaTestCase, make_therapist
from tests.builders import client_form, theme_form
from themes.models import Theme

ERROR = "Type a name that can be seen"
# Zero-width space, joiners, direction marks and isolates, the byte-order mark, a soft hyphen,
# the Hangul filler (a "letter" that draws nothing), the blank braille pattern, a lone accent.
INVISIBLE = [
    "\u200b",
    " \u200b\u200c\u200d ",
    "\u200e\u200f\u2066\u2069",
    "\ufeff",
    "\u00ad",
    "\u3164",
    "\u2800",
    "\u0301",
]
VISIBLE = ["Zoë", "李", "O'Brien", "J.", "Ŋ\u200b"]


class ClientNameTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def test_an_invisible_full_name_is_refused_and_the_form_keeps_what_was_typed(self):
        for name in INVISIBLE:
            with self.subTest(name=repr(name)):
                data = client_form(full_name=name, email="ottilie@example.org")
                response = self.client.post(reverse("client_create"), data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors["full_name"][0].startswith(ERROR))
                self.assertContains(response, ERROR)
                self.assertContains(response, "ottilie@example.org")  # the rest kept
        self.assertEqual(Client.objects.filter(therapist=self.alice).count(), 1)

    def test_an_invisible_preferred_name_is_refused_an_empty_one_is_not(self):
        response = self.client.post(reverse("client_create"), client_form(preferred_name="\u200b"))
        self.assertIn("preferred_name", response.context["form"].errors)
        response = self.client.post(reverse("client_create"), client_form(preferred_name=""))
        self.assertEqual(response.status_code, 302)

    def test_an_edit_to_an_invisible_name_is_refused(self):
        url = reverse("client_edit", args=[self.alice_client.pk])
        response = self.client.post(url, client_form(full_name="\u200b"))
        self.assertContains(response, ERROR)
        self.alice_client.refresh_from_db()
        self.assertNotEqual(self.alice_client.full_name, "\u200b")

    def test_names_in_any_script_are_accepted(self):
        for name in VISIBLE:
            with self.subTest(name=name):
                response = self.client.post(reverse("client_create"), client_form(full_name=name))
                self.assertEqual(response.status_code, 302)
                self.assertEqual(Client.objects.latest("created_at").full_name, name)

    def test_without_the_check_a_zero_width_space_is_a_name_negative_control(self):
        with mock.patch.object(names, "is_visible", return_value=True):
            response = self.client.post(reverse("client_create"), client_form(full_name="\u200b"))
        self.assertEqual(response.status_code, 302)


class ThemeNameTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def test_an_invisible_theme_name_is_refused(self):
        for name in INVISIBLE:
            with self.subTest(name=repr(name)):
                data = theme_form(name=name, description="Kept.", active=None)
                response = self.client.post(reverse("theme_create"), data)
                self.assertEqual(response.status_code, 200)
                self.assertIn("name", response.context["form"].errors)
                self.assertContains(response, "Kept.")
        self.assertFalse(Theme.objects.filter(owner=self.alice).exists())


class AccountNameTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.office = make_therapist("office")
        Account.objects.create(user=cls.office, is_practice_admin=True)

    def test_an_invisible_first_name_is_refused_on_the_page(self):
        sign_in(self.client, self.office)
        for name in INVISIBLE:
            with self.subTest(name=repr(name)):
                data = {"username": "dana", "first_name": name, "password": "x" * 14 + "-Q7"}
                response = self.client.post(reverse("account_create"), data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(ERROR, response.context["form"].errors["first_name"][0])
                self.assertContains(response, 'value="dana"')
        self.assertFalse(get_user_model().objects.filter(username="dana").exists())

    def test_an_invisible_first_name_is_refused_by_the_command(self):
        stdin, sys.stdin = sys.stdin, io.StringIO("a-practice-password-2026\n")
        try:
            with self.assertRaisesMessage(CommandError, f"--first-name: {ERROR}"):
                call_command("create_account", "dana", "--first-name", "\u200b", "--password-stdin")
        finally:
            sys.stdin = stdin
        self.assertFalse(get_user_model().objects.filter(username="dana").exists())
