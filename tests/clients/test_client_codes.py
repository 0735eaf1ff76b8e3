"""Client codes: numbered per therapist, and never given again once a client is erased."""

from django.urls import reverse

from clients.models import Client
from tests.base import PersonaTestCase, make_client
from tests.builders import erase_form


class ClientCodesAreNeverReusedTests(PersonaTestCase):
    def test_a_new_client_after_an_erasure_gets_a_fresh_code(self):
        self.sign_in(self.alice)
        second = make_client(self.alice, full_name="Second Client")
        self.assertEqual(second.code, "C-0002")
        response = self.client.post(reverse("client_erase", args=[second.pk]), erase_form(second))
        self.assertEqual(response.status_code, 302)
        third = make_client(self.alice, full_name="Third Client")
        # Negative control: "highest existing number + 1" would hand out C-0002 again.
        self.assertEqual(
            max(Client.objects.filter(therapist=self.alice).values_list("number", flat=True)), 3
        )
        self.assertEqual(third.code, "C-0003")

    def test_numbering_is_per_therapist(self):
        self.assertEqual(make_client(self.bob, full_name="Another").code, "C-0002")
        self.assertEqual(make_client(self.alice, full_name="Yet another").code, "C-0002")
