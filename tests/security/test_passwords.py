"""Password rules, through the password change form a therapist uses."""

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
            "django.contrib.auth.hashers.Argon2PasswordHasher",
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
