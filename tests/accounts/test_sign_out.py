"""Signing out: POST only, it ends the session and clears what the browser kept."""

from django.urls import reverse

from tests.base import PersonaTestCase


class SignOutTests(PersonaTestCase):
    def test_sign_out_clears_cache_cookies_and_storage(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        self.assertEqual(response["Clear-Site-Data"], '"cache", "cookies", "storage"')
        self.assertIn("no-store", response["Cache-Control"])

    def test_after_sign_out_client_pages_need_signing_in_again(self):
        self.sign_in(self.alice)
        self.client.post(reverse("logout"))
        response = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_sign_out_is_post_only(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("logout"))
        self.assertEqual(response.status_code, 405)
        self.assertNotIn("Clear-Site-Data", response)

    def test_signing_out_by_post_ends_the_session(self):
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        after = self.client.get(reverse("client_list"))
        self.assertRedirects(
            after, f"{reverse('login')}?next=/clients/", fetch_redirect_response=False
        )
