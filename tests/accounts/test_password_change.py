"""The password change page, and the password rules through it: length, common passwords, any
script; stored as Argon2."""

from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

import config.settings
from accounts.testing import password_works
from tests.base import PASSWORD, PersonaTestCase

LONG_PASSPHRASE = ("the river keeps its own counsel at dusk " * 6)[:200]
UNICODE_PASSPHRASE = "Ωμέγα και άλφα: 静かな湖 ☕ žluťoučký kůň"


class PasswordChangeTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def change(self, new: str):
        return self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )

    def assertRefused(self, response, message: str):
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(PASSWORD))

    def assertAccepted(self, response, new: str):
        self.assertRedirects(response, reverse("password_change_done"))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(new))
        self.client.logout()
        self.assertTrue(password_works("alice", new))

    def test_eleven_characters_are_refused(self):
        self.assertRefused(self.change("kq7-vbn-2xz"), "at least 12 characters")

    def test_a_common_password_of_twelve_characters_is_refused(self):
        self.assertRefused(self.change("password1234"), "too common")

    def test_twelve_characters_are_accepted(self):
        self.assertAccepted(self.change("kq7-vbn-2xzp"), "kq7-vbn-2xzp")

    def test_a_200_character_passphrase_is_accepted(self):
        self.assertEqual(len(LONG_PASSPHRASE), 200)
        self.assertAccepted(self.change(LONG_PASSPHRASE), LONG_PASSPHRASE)

    def test_a_unicode_passphrase_is_accepted(self):
        self.assertAccepted(self.change(UNICODE_PASSPHRASE), UNICODE_PASSPHRASE)


class HashingTests(PersonaTestCase):
    def test_production_settings_hash_with_argon2_first(self):
        # The test settings swap in a fast hasher; the production list is in config.settings.
        self.assertEqual(
            config.settings.PASSWORD_HASHERS[0],
            "accounts.hashers.BoundedArgon2PasswordHasher",
        )

    def test_a_changed_password_is_stored_as_argon2(self):
        with override_settings(PASSWORD_HASHERS=config.settings.PASSWORD_HASHERS):
            self.alice.set_password(PASSWORD)  # the fast test hasher is not on the list
            self.alice.save()
            self.sign_in(self.alice)
            response = self.client.post(
                reverse("password_change"),
                {
                    "old_password": PASSWORD,
                    "new_password1": UNICODE_PASSPHRASE,
                    "new_password2": UNICODE_PASSPHRASE,
                },
            )
            self.assertRedirects(response, reverse("password_change_done"))
            stored = get_user_model().objects.get(pk=self.alice.pk).password
        self.assertTrue(stored.startswith("argon2$argon2id$"), stored[:20])


class PasswordChangePageTests(PersonaTestCase):
    def test_password_change_page_shows_a_crispy_form(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("password_change"))
        self.assertEqual(response.status_code, 200)
        for name in ("old_password", "new_password1", "new_password2"):
            self.assertContains(response, f'id="div_id_{name}"')
        self.assertContains(response, "form-control")

    def test_changing_the_password_works_and_the_old_one_stops_working(self):
        self.sign_in(self.alice)
        new_password = "another-long-test-password-2027"
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": new_password,
                "new_password2": new_password,
            },
            follow=True,
        )
        self.assertEqual(response.redirect_chain[-1][0], reverse("password_change_done"))
        self.assertContains(response, "Password changed")
        self.client.post(reverse("logout"))
        self.assertFalse(password_works("alice", PASSWORD))
        self.assertTrue(password_works("alice", new_password))

    def test_changing_the_password_with_a_wrong_old_password_shows_an_error(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": "not-it",
                "new_password1": "another-long-test-password-2027",
                "new_password2": "another-long-test-password-2027",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Your old password was entered incorrectly")
        self.assertTrue(password_works("alice", PASSWORD))
