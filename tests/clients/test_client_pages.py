"""The client pages as a therapist uses them: add, look at, edit, list, search, filter."""

import datetime

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.testing import sign_in
from clients.models import Client, ClientStatus
from tests.base import make_client, make_session, make_therapist

NEW_CLIENT = {
    "full_name": "Rosalind Featherstonehaugh",
    "preferred_name": "Ros",
    "pronouns": "she/her",
    "date_of_birth": "1984-09-17",
    "phone": "+44 20 7946 0321",
    "email": "ros.f@example.org",
    "address": "4 Lantern Row\nBristol BS1 4XY",
    "emergency_contact": "Partner Sam, 07700 900456",
    "referral_source": "GP surgery",
    "status": "active",
    "intake_date": "2026-10-01",
    "discharge_date": "",
    "presenting_concerns": "Low mood since the birth of her daughter; feels never good enough.",
    "general_notes": "Prefers morning appointments.",
}


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _names(response) -> list[str]:
    return [client.full_name for client in response.context["clients"]]


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
        self.assertEqual(_messages(response), ["Client C-0001 added."])
        for message in _messages(response):
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
        self.assertEqual(_messages(first), ["Client C-0001 added."])
        response = self.client.post(
            reverse("client_create"), {**NEW_CLIENT, "full_name": "Second Person"}, follow=True
        )
        self.assertEqual(_messages(response), ["Client C-0002 added."])

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
        self.assertEqual(_messages(response), ["Client C-0001 updated."])
        self.assertContains(response, "After Name")
        self.assertNotContains(response, "Before Name")
        self.assertContains(response, "Discharged")
        self.assertContains(response, "1 Nov 2026")
        client.refresh_from_db()
        self.assertEqual(client.full_name, "After Name")
        self.assertEqual(client.status, ClientStatus.DISCHARGED)
        self.assertEqual(client.number, 1)


class ClientListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.carol = make_therapist("carol")
        # Created in an order that is neither alphabetical nor reverse-alphabetical.
        cls.zoe = make_client(cls.carol, full_name="Zoë Ménétrier-Öst")
        cls.quill = make_client(cls.carol, full_name="Quillfeather Ŋarvåsdóttir")
        cls.adler = make_client(cls.carol, full_name="adler, Mira", status="waitlist")
        cls.elodie = make_client(
            cls.carol,
            full_name="Élodie Brun",
            status="discharged",
            discharge_date=timezone.localdate(),
        )
        cls.bruno = make_client(cls.carol, full_name="Bruno Ortega", status="waitlist")

    def setUp(self):
        sign_in(self.client, self.carol)

    def test_the_list_is_sorted_by_name_ignoring_case_and_accents(self):
        # "All" includes the discharged Élodie, whose accent is what the sort must fold.
        response = self.client.get(reverse("client_list"), {"status": "all"})
        self.assertEqual(
            _names(response),
            [
                "adler, Mira",
                "Bruno Ortega",
                "Élodie Brun",
                "Quillfeather Ŋarvåsdóttir",
                "Zoë Ménétrier-Öst",
            ],
        )
        html = response.content.decode()
        positions = [html.index(escape(name)) for name in _names(response)]
        self.assertEqual(positions, sorted(positions))
        self.assertContains(response, "5 clients")

    def test_the_default_list_shows_current_clients_only_sorted_by_name(self):
        response = self.client.get(reverse("client_list"))
        self.assertEqual(
            _names(response),
            ["adler, Mira", "Bruno Ortega", "Quillfeather Ŋarvåsdóttir", "Zoë Ménétrier-Öst"],
        )
        self.assertNotContains(response, escape("Élodie Brun"))
        self.assertContains(response, '<option value="" selected>Current (active and waitlist)')
        self.assertContains(response, "4 clients")

    def test_a_name_in_the_url_is_dropped_not_searched(self):
        response = self.client.get(reverse("client_list"), {"q": "ortega", "status": "all"})
        self.assertRedirects(
            response, f"{reverse('client_list')}?status=all", fetch_redirect_response=False
        )
        self.assertNotIn("ortega", response["Location"])

    def test_the_filter_form_posts_and_keeps_what_was_typed(self):
        page = self.client.get(reverse("client_list"))
        self.assertContains(page, '<form method="post"')
        response = self.client.post(reverse("client_list"), {"q": "Ortega"})
        self.assertContains(response, 'value="Ortega"')
        self.assertNotContains(response, "?q=")

    def test_search_by_name_ignores_case(self):
        response = self.client.post(reverse("client_list"), {"q": "quillfeather"})
        self.assertEqual(_names(response), ["Quillfeather Ŋarvåsdóttir"])
        self.assertContains(response, "Quillfeather Ŋarvåsdóttir")
        self.assertNotContains(response, "Ménétrier")

    def test_search_by_name_ignores_accents(self):
        for query in ("zoe menetrier-ost", "MENETRIER", "Ménétrier", "ost", "arvasdottir"):
            with self.subTest(query=query):
                response = self.client.post(reverse("client_list"), {"q": query})
                expected = (
                    ["Quillfeather Ŋarvåsdóttir"]
                    if query == "arvasdottir"
                    else ["Zoë Ménétrier-Öst"]
                )
                self.assertEqual(_names(response), expected)

    def test_search_by_code_in_any_common_spelling(self):
        for query in ("C-0002", "c-0002", "0002", "2", " C-0002 "):
            with self.subTest(query=query):
                response = self.client.post(reverse("client_list"), {"q": query})
                self.assertEqual(_names(response), ["Quillfeather Ŋarvåsdóttir"])

    def test_a_search_that_matches_nobody_says_so(self):
        response = self.client.post(reverse("client_list"), {"q": "nobody-by-this-name"})
        self.assertEqual(_names(response), [])
        self.assertContains(response, "No client matches")
        self.assertContains(response, 'value="nobody-by-this-name"')

    def test_filter_by_status(self):
        response = self.client.get(reverse("client_list"), {"status": "waitlist"})
        self.assertEqual(_names(response), ["adler, Mira", "Bruno Ortega"])
        self.assertContains(response, '<option value="waitlist" selected>')
        response = self.client.get(reverse("client_list"), {"status": "discharged"})
        self.assertEqual(_names(response), ["Élodie Brun"])

    def test_filter_by_status_and_search_together(self):
        response = self.client.post(reverse("client_list"), {"status": "waitlist", "q": "ortega"})
        self.assertEqual(_names(response), ["Bruno Ortega"])

    def test_an_unknown_status_is_reported_and_the_default_list_is_shown(self):
        response = self.client.get(reverse("client_list"), {"status": "deleted"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice")
        self.assertEqual(
            _names(response),
            ["adler, Mira", "Bruno Ortega", "Quillfeather Ŋarvåsdóttir", "Zoë Ménétrier-Öst"],
        )

    def test_the_list_counts_sessions_per_client(self):
        make_session(self.quill, date=datetime.date(2026, 10, 5))
        make_session(self.quill, date=datetime.date(2026, 10, 12))
        response = self.client.get(reverse("client_list"))
        counts = {c.full_name: c.session_count for c in response.context["clients"]}
        self.assertEqual(counts["Quillfeather Ŋarvåsdóttir"], 2)
        self.assertEqual(counts["Bruno Ortega"], 0)
        self.assertContains(response, '<td class="text-end">2</td>', html=False)
