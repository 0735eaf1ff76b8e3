"""Adding and editing a client as a therapist does it: the form, what is stored, what is shown."""

import datetime

from django.test import TestCase
from django.urls import reverse
from django.utils.html import escape

from accounts.testing import sign_in
from clients.models import Client, ClientStatus
from tests.base import make_client, make_therapist
from tests.builders import client_form
from tests.pages import messages_of

# The values the tests below look for on the pages and in the stored client.
NEW_CLIENT = client_form(
    full_name="Rosalind Featherstonehaugh",
    preferred_name="Ros",
    date_of_birth="1984-09-17",
    address="4 Lantern Row\nBristol BS1 4XY",
    intake_date="2026-10-01",
    presenting_concerns="Low mood since the birth of her daughter; feels never good enough.",
)


class CreateAndEditClientTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.carol = make_therapist("carol")

    def setUp(self):
        sign_in(self.client, self.carol)

    def test_adding_a_client_reports_the_code_not_the_name_and_opens_the_profile(self):
        response = self.client.post(reverse("client_create"), NEW_CLIENT, follow=True)
        created = Client.objects.get(therapist=self.carol)
        self.assertEqual(response.redirect_chain, [(created.get_absolute_url(), 302)])
        self.assertEqual(messages_of(response), ["Client C-0001 added."])
        for message in messages_of(response):
            self.assertNotIn("Rosalind", message)
            self.assertNotIn("Featherstonehaugh", message)
        self.assertContains(response, NEW_CLIENT["full_name"])
        self.assertContains(response, "C-0001")
        for field in ("phone", "email", "referral_source", "general_notes"):
            self.assertContains(response, escape(NEW_CLIENT[field]))
        self.assertContains(response, "Lantern Row<br>Bristol BS1 4XY")
        self.assertContains(response, "17 Sep 1984")
        self.assertContains(response, "Goes by Ros")
        self.assertContains(response, "Low mood since the birth of her daughter")
        self.assertContains(response, f'href="{reverse("session_create", args=[created.pk])}"')
        self.assertContains(response, "Log session")

    def test_an_added_client_is_stored_with_everything_typed(self):
        self.client.post(reverse("client_create"), NEW_CLIENT)
        created = Client.objects.get(therapist=self.carol)
        self.assertEqual(created.number, 1)
        self.assertEqual(created.full_name, NEW_CLIENT["full_name"])
        self.assertEqual(created.date_of_birth, datetime.date(1984, 9, 17))
        self.assertEqual(created.address, NEW_CLIENT["address"])
        self.assertEqual(created.presenting_concerns, NEW_CLIENT["presenting_concerns"])
        self.assertEqual(created.intake_date, datetime.date(2026, 10, 1))

    def test_the_second_client_gets_the_next_code(self):
        first = self.client.post(reverse("client_create"), NEW_CLIENT, follow=True)
        self.assertEqual(messages_of(first), ["Client C-0001 added."])
        response = self.client.post(
            reverse("client_create"), {**NEW_CLIENT, "full_name": "Second Person"}, follow=True
        )
        self.assertEqual(messages_of(response), ["Client C-0002 added."])

    def test_the_edit_form_is_filled_with_the_current_profile(self):
        client = make_client(self.carol, full_name="Edit Me", phone="0117 496 0000")
        response = self.client.get(reverse("client_edit", args=[client.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'value="Edit Me"')
        self.assertContains(response, 'value="0117 496 0000"')
        self.assertContains(response, "Save changes")

    def test_editing_a_client_saves_the_changes_and_shows_them(self):
        client = make_client(self.carol, full_name="Before Name")
        changed = {
            **NEW_CLIENT,
            "full_name": "After Name",
            "status": "discharged",
            "discharge_date": "2026-11-01",
        }
        response = self.client.post(reverse("client_edit", args=[client.pk]), changed, follow=True)
        self.assertEqual(response.redirect_chain, [(client.get_absolute_url(), 302)])
        self.assertEqual(messages_of(response), ["Client C-0001 updated."])
        self.assertContains(response, "After Name")
        self.assertNotContains(response, "Before Name")
        self.assertContains(response, "Discharged")
        self.assertContains(response, "1 Nov 2026")
        client.refresh_from_db()
        self.assertEqual(client.full_name, "After Name")
        self.assertEqual(client.status, ClientStatus.DISCHARGED)
        self.assertEqual(client.number, 1)
