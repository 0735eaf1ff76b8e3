"""A practice administrator opens and closes therapists' accounts and resets their second
factor, and can never read a clinical record."""

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Account
from accounts.testing import password_works, sign_in, totp_device
from audit.models import Action, AuditEvent
from tests.base import (
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    PASSWORD,
    PersonaTestCase,
    make_therapist,
)

NEW_PASSWORD = "first-password-for-dana-2026"


class PracticeAdminTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.admin = make_therapist("office")
        Account.objects.create(user=cls.admin, is_practice_admin=True)

    def setUp(self):
        sign_in(self.client, self.admin)

    def assertNoClinicalData(self, response):
        body = response.content.decode()
        self.assertNotIn(ALICE_CANARY_NAME, body)
        self.assertNotIn(ALICE_CANARY_NOTE.split()[0], body)

    def test_the_account_list_shows_therapists_without_their_records(self):
        response = self.client.get(reverse("account_list"))
        self.assertContains(response, "alice")
        self.assertContains(response, "bob")
        self.assertNotContains(response, "office</td>")
        self.assertNoClinicalData(response)

    def test_opening_an_account(self):
        response = self.client.post(
            reverse("account_create"),
            {"username": "dana", "first_name": "Dana", "password": NEW_PASSWORD},
            follow=True,
        )
        self.assertContains(response, "Account dana opened")
        self.assertTrue(password_works("dana", NEW_PASSWORD))
        dana = get_user_model().objects.get(username="dana")
        self.assertFalse(TOTPDevice.objects.filter(user=dana).exists())  # set up at sign-in
        self.assertTrue(AuditEvent.objects.filter(action=Action.ACCOUNT_CREATED).exists())

    def test_a_weak_first_password_is_refused_and_the_form_keeps_what_was_typed(self):
        response = self.client.post(
            reverse("account_create"),
            {"username": "dana", "first_name": "Dana", "password": "short"},
        )
        self.assertContains(response, "at least 12 characters")
        self.assertContains(response, 'value="dana"')
        self.assertFalse(get_user_model().objects.filter(username="dana").exists())

    def test_a_taken_username_is_refused(self):
        response = self.client.post(
            reverse("account_create"),
            {"username": "Alice", "first_name": "A", "password": NEW_PASSWORD},
        )
        self.assertContains(response, "already an account with this username")

    def test_deactivating_ends_the_therapists_sessions_and_sign_in(self):
        alices_browser = Client()
        sign_in(alices_browser, self.alice)
        response = self.client.post(reverse("account_deactivate", args=[self.alice.pk]))
        self.assertRedirects(response, reverse("account_list"))
        self.assertEqual(alices_browser.get(reverse("client_list")).status_code, 302)
        self.assertFalse(password_works("alice", PASSWORD))
        # Records are kept.
        self.assertTrue(
            self.alice_client.__class__.objects.filter(pk=self.alice_client.pk).exists()
        )

        self.client.post(reverse("account_reactivate", args=[self.alice.pk]))
        self.assertTrue(password_works("alice", PASSWORD))

    def test_resetting_two_factor_sends_the_therapist_to_set_up_again(self):
        totp_device(self.alice)
        alices_browser = Client()
        sign_in(alices_browser, self.alice)
        self.client.post(reverse("account_reset_two_factor", args=[self.alice.pk]))
        self.assertFalse(TOTPDevice.objects.filter(user=self.alice).exists())
        self.assertEqual(alices_browser.get(reverse("client_list")).status_code, 302)
        response = Client().post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.assertRedirects(response, reverse("two_factor_setup"), fetch_redirect_response=False)
        self.assertTrue(AuditEvent.objects.filter(action=Action.TWO_FACTOR_RESET).exists())

    def test_account_changes_are_post_only(self):
        for name in ("account_deactivate", "account_reactivate", "account_reset_two_factor"):
            response = self.client.get(reverse(name, args=[self.alice.pk]))
            self.assertEqual(response.status_code, 405, name)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)

    def test_the_administrator_cannot_open_any_clinical_page(self):
        urls = [
            reverse("dashboard"),
            reverse("client_list"),
            reverse("client_detail", args=[self.alice_client.pk]),
            reverse("session_detail", args=[self.alice_session.pk]),
            reverse("search"),
            reverse("audit_log"),
        ]
        for url in urls:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 403, url)
            self.assertContains(response, "does not open clinical records", status_code=403)
            self.assertNoClinicalData(response)

    def test_the_administrator_cannot_close_another_administrators_account(self):
        other = make_therapist("office2")
        Account.objects.create(user=other, is_practice_admin=True)
        response = self.client.post(reverse("account_deactivate", args=[other.pk]))
        self.assertEqual(response.status_code, 403)
        other.refresh_from_db()
        self.assertTrue(other.is_active)

    def test_a_therapist_cannot_use_the_administrators_pages(self):
        therapist = Client()
        sign_in(therapist, self.bob)
        self.assertEqual(therapist.get(reverse("account_list")).status_code, 404)
        response = therapist.post(reverse("account_deactivate", args=[self.alice.pk]))
        self.assertEqual(response.status_code, 404)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)

    def test_negative_control_without_the_middleware_the_administrator_would_see_a_page(self):
        from django.conf import settings
        from django.test import override_settings

        middleware = [
            m for m in settings.MIDDLEWARE if m != "accounts.middleware.AccountSecurityMiddleware"
        ]
        with override_settings(MIDDLEWARE=middleware):
            self.assertEqual(self.client.get(reverse("client_list")).status_code, 200)
