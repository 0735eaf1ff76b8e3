"""The people named in a client's notes (``Client.other_names``), listed on the client form as
"Name = role" lines for the de-identified summary: parsed, checked with a message per line,
shown again as typed when refused, and stored encrypted."""

from django.urls import reverse

from clients.forms import parse_other_names
from clients.models import Client
from integrity.verify import verify
from tests.base import PersonaTestCase
from tests.builders import client_form
from tests.pages import RedisplayAssertions
from tests.records import raw_column

TYPED = "Mortimer = partner\n\n  Henrietta   Brackenbury =  mother \nYsolde=sister"
STORED = [
    {"name": "Mortimer", "role": "partner"},
    {"name": "Henrietta Brackenbury", "role": "mother"},
    {"name": "Ysolde", "role": "sister"},
]


class OtherNamesFormTests(RedisplayAssertions, PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.edit = reverse("client_edit", args=[self.alice_client.pk])

    def test_listed_names_are_stored_encrypted_and_shown_again_as_lines(self):
        response = self.client.post(self.edit, client_form(other_names=TYPED))
        self.assertEqual(response.status_code, 302)
        client = Client.objects.get(pk=self.alice_client.pk)
        self.assertEqual(client.other_names, STORED)
        stored = raw_column(Client, "other_names", client.pk)
        for name in (b"Mortimer", b"Henrietta", b"Ysolde", b"partner"):
            self.assertNotIn(name, stored)
        page = self.client.get(self.edit)
        self.assertContains(
            page, "Mortimer = partner\nHenrietta Brackenbury = mother\nYsolde = sister"
        )

    def test_a_new_client_can_list_them(self):
        response = self.client.post(
            reverse("client_create"), client_form(full_name="Posted Client", other_names=TYPED)
        )
        self.assertEqual(response.status_code, 302)
        client = Client.objects.for_therapist(self.alice).get(number=2)
        self.assertEqual(client.other_names, STORED)

    def test_clearing_the_box_clears_the_list(self):
        self.client.post(self.edit, client_form(other_names=TYPED))
        self.client.post(self.edit, client_form(other_names=""))
        self.assertEqual(Client.objects.get(pk=self.alice_client.pk).other_names, [])

    def test_bad_lines_are_named_and_everything_typed_comes_back(self):
        cases = {
            "Mortimer partner": "Line 1 (“Mortimer partner”): write one person a line",
            "= partner": "Line 1 (“= partner”): write one person a line",
            "Mortimer =": "Line 1 (“Mortimer =”): write one person a line",
            "Mo = a = b": "Line 1 (“Mo = a = b”): write one person a line",
            "M = partner": "a name needs at least two letters",
            "Mortimer = [partner]": "leave out the brackets",
            "Mortimer = partner\nmortimer = friend": "Line 2 (“mortimer = friend”): mortimer "
            "is listed already",
            f"{'x' * 101} = partner": "at most 100 characters for a name and 40 for a role",
        }
        for typed, message in cases.items():
            with self.subTest(typed):
                data = client_form(other_names=typed)
                response = self.client.post(self.edit, data)
                self.assertEqual(response.status_code, 200)
                errors = response.context["form"].errors
                self.assertEqual(list(errors), ["other_names"])
                self.assertIn(message, " ".join(errors["other_names"]))
                self.assert_redisplayed(response, data)
        self.assertEqual(Client.objects.get(pk=self.alice_client.pk).other_names, [])

    def test_at_most_fifty_people(self):
        typed = "\n".join(f"Person{n} = friend" for n in range(51))
        response = self.client.post(self.edit, client_form(other_names=typed))
        self.assertIn("List at most 50 people.", response.context["form"].errors["other_names"])

    def test_control_characters_are_refused(self):
        response = self.client.post(self.edit, client_form(other_names="Mor\x00timer = partner"))
        self.assertIn("other_names", response.context["form"].errors)

    def test_the_ledger_follows_the_new_column(self):
        self.client.post(self.edit, client_form(other_names=TYPED))
        self.assertEqual(verify().findings, [])


class ParseTests(PersonaTestCase):
    def test_blank_lines_and_spacing(self):
        self.assertEqual(parse_other_names(TYPED), STORED)
        self.assertEqual(parse_other_names(" \n\n"), [])

    def test_accented_duplicates_are_the_same_person(self):
        with self.assertRaisesMessage(Exception, "is listed already"):
            parse_other_names("Zoë = sister\nZOE = cousin")


class RoleNamingSomeoneTests(RedisplayAssertions, PersonaTestCase):
    """A role is printed where the name was in a de-identified summary: one that names the
    client or a listed person is refused with the reason, and everything typed comes back."""

    def setUp(self):
        self.sign_in(self.alice)
        self.edit = reverse("client_edit", args=[self.alice_client.pk])

    def refused(self, data: dict[str, str]) -> str:
        response = self.client.post(self.edit, data)
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertEqual(list(errors), ["other_names"])
        self.assert_redisplayed(response, data)
        return " ".join(errors["other_names"])

    def test_a_role_naming_the_client_is_refused(self):
        for role in ("Noor's mother", "mother of N\u00adOOR", "the Haddads' aunt", "Noor_s mum"):
            with self.subTest(role):
                data = client_form(full_name="Noor Haddad", other_names=f"Hana = {role}")
                message = self.refused(data)
                self.assertIn(f"“Hana = {role}”: the role names Noor Haddad.", message)
                self.assertIn("write it without a name", message)
        self.assertEqual(Client.objects.get(pk=self.alice_client.pk).other_names, [])

    def test_a_role_naming_the_preferred_name_or_a_listed_person_is_refused(self):
        data = client_form(
            full_name="Noor Haddad",
            preferred_name="Nono",
            other_names="Hana = Nono's mother\nSam Whitfield = Zoë's brother\nZoe = friend",
        )
        message = self.refused(data)
        self.assertIn("“Hana = Nono's mother”: the role names Nono.", message)
        self.assertIn("“Sam Whitfield = Zoë's brother”: the role names Zoe.", message)

    def test_roles_without_names_are_kept_control(self):
        data = client_form(
            full_name="Priya Raman and Jordan Ellis",
            preferred_name="",
            other_names="Sam = friend and neighbour\nHana = Samaritans volunteer\nZoe = Dr's aunt",
        )
        response = self.client.post(self.edit, data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            [entry["role"] for entry in Client.objects.get(pk=self.alice_client.pk).other_names],
            ["friend and neighbour", "Samaritans volunteer", "Dr's aunt"],
        )
