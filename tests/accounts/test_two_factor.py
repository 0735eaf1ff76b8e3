"""Two-factor sign-in through the real pages: set-up on first sign-in, codes afterwards, backup
codes, replay refused, and no way round the second step."""

import re

from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.testing import code_for_secret, totp_device, unused_code
from audit.models import Action
from tests.audit.helpers import new_entries
from tests.base import ALICE_CANARY_NAME, PASSWORD, PersonaTestCase, make_therapist


class FirstSignInTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.newcomer = make_therapist("newcomer")

    def password_step(self):
        return self.client.post(reverse("login"), {"username": "newcomer", "password": PASSWORD})

    def test_a_new_user_is_walked_through_set_up(self):
        response = self.password_step()
        self.assertRedirects(response, reverse("two_factor_setup"), fetch_redirect_response=False)

        page = self.client.get(reverse("two_factor_setup"))
        self.assertContains(page, "Set up two-factor sign-in")
        self.assertContains(page, "<svg")  # the QR code, drawn on the server
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)

        # Until the set-up is done, nothing else opens.
        self.assertRedirects(
            self.client.get(reverse("client_list")),
            f"{reverse('two_factor_setup')}?next=/clients/",
            fetch_redirect_response=False,
        )

        done = self.client.post(reverse("two_factor_setup"), {"otp_token": code_for_secret(secret)})
        self.assertContains(done, "Two-factor sign-in is set up")
        codes = re.findall(r'<li class="col">([a-z0-9]{5}-[a-z0-9]{5})</li>', done.content.decode())
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        self.assertTrue(TOTPDevice.objects.get(user=self.newcomer).confirmed)
        self.assertEqual(self.client.get(reverse("client_list")).status_code, 200)

    def test_a_wrong_set_up_code_is_refused_and_nothing_is_confirmed(self):
        self.password_step()
        self.client.get(reverse("two_factor_setup"))
        wrong = self.client.post(reverse("two_factor_setup"), {"otp_token": "000000"})
        self.assertContains(wrong, "That code does not match")
        self.assertFalse(TOTPDevice.objects.filter(user=self.newcomer, confirmed=True).exists())
        self.assertEqual(self.client.get(reverse("client_list")).status_code, 302)

    def test_the_qr_code_holds_the_secret_shown_for_typing(self):
        self.password_step()
        page = self.client.get(reverse("two_factor_setup")).content.decode()
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        device = TOTPDevice.objects.get(user=self.newcomer, confirmed=False)
        self.assertIn(f"secret={secret}", device.config_url)
        # A reload shows the same secret, so a code from the app scanned first still works.
        again = self.client.get(reverse("two_factor_setup")).content.decode()
        self.assertIn(re.search(r'id="totp-secret">([A-Z2-7 ]+)<', again).group(1), page)

    def test_set_up_is_audited_and_completes_the_sign_in(self):
        self.password_step()
        page = self.client.get(reverse("two_factor_setup")).content.decode()
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
        with new_entries() as entries:
            self.client.post(reverse("two_factor_setup"), {"otp_token": code_for_secret(secret)})
        self.assertEqual([e.action for e in entries], [Action.TWO_FACTOR_SET_UP, Action.SIGN_IN])


class SecondStepTests(PersonaTestCase):
    def setUp(self):
        self.device = totp_device(self.alice)

    def password_step(self, **extra):
        response = self.client.post(
            reverse("login"), {"username": "alice", "password": PASSWORD}, **extra
        )
        self.assertRedirects(response, reverse("two_factor_verify"), fetch_redirect_response=False)
        return response

    def test_the_right_code_opens_the_record(self):
        self.password_step()
        response = self.client.post(
            reverse("two_factor_verify"), {"otp_token": unused_code(self.device)}
        )
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        self.assertContains(self.client.get(reverse("dashboard")), ALICE_CANARY_NAME)

    def test_after_the_password_alone_no_record_opens(self):
        self.password_step()
        for url in (
            reverse("dashboard"),
            reverse("client_detail", args=[self.alice_client.pk]),
            reverse("session_detail", args=[self.alice_session.pk]),
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response.url.startswith(reverse("two_factor_verify")), url)
        self.assertNotContains(self.client.get(reverse("two_factor_verify")), ALICE_CANARY_NAME)

    def test_a_wrong_code_is_refused_with_a_message(self):
        self.password_step()
        response = self.client.post(reverse("two_factor_verify"), {"otp_token": "123456"})
        self.assertContains(response, "That code is not right")
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 302)

    def test_a_replayed_code_is_refused(self):
        code = unused_code(self.device)
        self.password_step()
        self.client.post(reverse("two_factor_verify"), {"otp_token": code})
        self.client.post(reverse("logout"))

        self.password_step()
        response = self.client.post(reverse("two_factor_verify"), {"otp_token": code})
        self.assertContains(response, "already used")
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 302)

    def test_a_backup_code_works_once(self):
        from accounts.two_factor import new_backup_codes

        code = new_backup_codes(self.alice)[0]
        self.password_step()
        response = self.client.post(
            reverse("two_factor_verify"), {"otp_token": f"{code[:5]}-{code[5:]}"}, follow=True
        )
        self.assertContains(response, "You signed in with a backup code; 9 left")
        self.client.post(reverse("logout"))

        self.password_step()
        response = self.client.post(reverse("two_factor_verify"), {"otp_token": code})
        self.assertContains(response, "That code is not right")

    def test_the_session_key_changes_at_each_step(self):
        self.client.get(reverse("login"))
        self.password_step()
        after_password = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        self.client.post(reverse("two_factor_verify"), {"otp_token": unused_code(self.device)})
        after_code = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        self.assertNotEqual(after_password, after_code)

    def test_a_known_password_cannot_enrol_a_second_authenticator(self):
        # Someone with alice's password but not her phone tries the set-up page instead.
        self.password_step()
        response = self.client.get(reverse("two_factor_setup"))
        self.assertRedirects(response, reverse("two_factor_verify"), fetch_redirect_response=False)
        self.client.post(reverse("two_factor_setup"), {"otp_token": "123456"})
        self.assertEqual(TOTPDevice.objects.filter(user=self.alice).count(), 1)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 302)

    def test_a_next_url_off_the_site_is_ignored(self):
        self.password_step()
        response = self.client.post(
            reverse("two_factor_verify") + "?next=https://evil.example/",
            {"otp_token": unused_code(self.device)},
        )
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)


class ManageTwoFactorTests(PersonaTestCase):
    def setUp(self):
        from accounts.testing import sign_in
        from accounts.two_factor import new_backup_codes

        self.codes = new_backup_codes(self.alice)
        sign_in(self.client, self.alice)

    def test_showing_backup_codes_needs_the_password(self):
        url = reverse("two_factor_manage")
        refused = self.client.post(url, {"action": "show", "password": "not-my-password"})
        self.assertContains(refused, "That is not your password")
        for code in self.codes:
            self.assertNotContains(refused, code[5:])

        shown = self.client.post(url, {"action": "show", "password": PASSWORD})
        for code in self.codes:
            self.assertContains(shown, f"{code[:5]}-{code[5:]}")

    def test_new_backup_codes_replace_the_old_ones(self):
        response = self.client.post(
            reverse("two_factor_manage"), {"action": "renew", "password": PASSWORD}
        )
        self.assertContains(response, "the old ones no longer work")
        stored = set(
            StaticToken.objects.filter(device__user=self.alice).values_list("token", flat=True)
        )
        self.assertEqual(len(stored), 10)
        self.assertFalse(stored & set(self.codes))

    def test_replacing_the_authenticator_needs_the_password(self):
        url = reverse("two_factor_manage")
        refused = self.client.post(url, {"action": "replace", "password": "wrong-password-1"})
        self.assertEqual(refused.status_code, 200)
        self.assertRedirects(
            self.client.get(reverse("two_factor_setup")),
            reverse("two_factor_manage"),
            fetch_redirect_response=False,
        )
        accepted = self.client.post(url, {"action": "replace", "password": PASSWORD})
        self.assertRedirects(accepted, reverse("two_factor_setup"), fetch_redirect_response=False)
        page = self.client.get(reverse("two_factor_setup")).content.decode()
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
        self.client.post(reverse("two_factor_setup"), {"otp_token": code_for_secret(secret)})
        devices = TOTPDevice.objects.filter(user=self.alice)
        self.assertEqual([d.confirmed for d in devices], [True])  # the old one is gone
