"""The sign-in page: a crispy form, the password then the code, an error that keeps the
username, and a return to the page that was asked for."""

from urllib.parse import quote

from django.urls import reverse

from accounts.testing import sign_in_through_pages, totp_device, unused_code
from tests.base import ALICE_CANARY_NAME, PASSWORD, PersonaTestCase


class LoginPageTests(PersonaTestCase):
    def test_login_page_shows_a_crispy_form(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, 'id="div_id_username"')
        self.assertContains(response, 'id="div_id_password"')
        self.assertContains(response, "form-control")

    def test_signing_in_with_the_right_password_and_code_opens_the_dashboard(self):
        response = sign_in_through_pages(self.client, "alice", PASSWORD)
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        response = self.client.get(response.url)
        self.assertContains(response, "Dashboard")
        self.assertContains(response, ALICE_CANARY_NAME)

    def test_signing_in_with_a_wrong_password_shows_an_error_and_keeps_the_username(self):
        response = self.client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter a correct username and password")
        self.assertContains(response, 'value="alice"')
        self.assertContains(response, "alert-danger")
        self.assertRedirects(
            self.client.get(reverse("dashboard")),
            f"{reverse('login')}?next=/",
            fetch_redirect_response=False,
        )

    def test_signing_in_returns_to_the_page_asked_for(self):
        path = reverse("client_detail", args=[self.alice_client.pk])
        totp_device(self.alice)
        response = self.client.post(
            f"{reverse('login')}?next={quote(path)}",
            {"username": "alice", "password": PASSWORD, "next": path},
        )
        # The path travels through the second step.
        self.assertRedirects(
            response,
            f"{reverse('two_factor_verify')}?next={quote(path, safe='')}",
            fetch_redirect_response=False,
        )
        response = self.client.post(
            response.url, {"otp_token": unused_code(totp_device(self.alice))}
        )
        self.assertRedirects(response, path, fetch_redirect_response=False)
