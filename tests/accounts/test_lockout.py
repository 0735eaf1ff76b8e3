"""Brute-force protection through the real two-step sign-in (django-axes): locked by username
and address together, for a while, counting wrong codes too, and audited."""

import datetime

from axes.models import AccessAttempt
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.testing import totp_device, unused_code
from audit.models import Action, AuditEvent
from tests.base import PASSWORD, make_therapist

LIMIT = 5
HERE = {"REMOTE_ADDR": "203.0.113.7"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.9"}


class LockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")

    def setUp(self):
        self.device = totp_device(self.alice)

    def password(self, password, client=None, **where):
        client = client or self.client
        return client.post(
            reverse("login"), {"username": "alice", "password": password}, **(where or HERE)
        )

    def full_sign_in(self, client=None, **where):
        client = client or self.client
        response = self.password(PASSWORD, client, **where)
        if response.status_code != 302:
            return response
        return client.post(
            reverse("two_factor_verify"),
            {"otp_token": unused_code(self.device)},
            **(where or HERE),
        )

    def guess_passwords(self, times, **where):
        for attempt in range(times):
            self.password(f"wrong-guess-{attempt}", **where)

    def test_after_five_wrong_passwords_even_the_right_one_is_refused(self):
        self.guess_passwords(LIMIT)
        response = self.full_sign_in()
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many attempts", status_code=429)
        self.assertContains(response, "15 minutes", status_code=429)

    def test_four_wrong_passwords_do_not_lock(self):
        self.guess_passwords(LIMIT - 1)
        response = self.full_sign_in()
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)

    def test_a_stranger_elsewhere_cannot_lock_the_therapist_out(self):
        self.guess_passwords(LIMIT, **ELSEWHERE)
        self.assertEqual(self.password(PASSWORD, **ELSEWHERE).status_code, 429)
        response = self.full_sign_in(**HERE)
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)

    def test_the_lock_lifts_after_the_cool_off(self):
        self.guess_passwords(LIMIT)
        self.assertEqual(self.password(PASSWORD).status_code, 429)
        AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
        response = self.full_sign_in()
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)

    def test_wrong_codes_count_as_failed_sign_ins(self):
        self.assertEqual(self.password(PASSWORD).status_code, 302)
        for _ in range(LIMIT - 1):
            response = self.client.post(
                reverse("two_factor_verify"), {"otp_token": "000000"}, **HERE
            )
            self.assertContains(response, "That code is not right")
        response = self.client.post(reverse("two_factor_verify"), {"otp_token": "000000"}, **HERE)
        self.assertEqual(response.status_code, 429)
        # The half-signed-in session is gone, and the right code no longer helps.
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 302)
        self.assertEqual(self.full_sign_in().status_code, 429)

    def test_a_lockout_is_audited_once_with_the_account_and_address(self):
        self.guess_passwords(LIMIT)
        entries = list(AuditEvent.objects.filter(action=Action.LOCKED_OUT))
        self.assertEqual(len(entries), 1)
        self.assertEqual(
            (entries[0].user_id, entries[0].ip_address), (self.alice.pk, HERE["REMOTE_ADDR"])
        )
        failed = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).count()
        self.assertEqual(failed, LIMIT)

    def test_no_password_is_kept_by_the_lockout_records(self):
        self.guess_passwords(LIMIT)
        stored = repr(list(AccessAttempt.objects.values()))
        self.assertNotIn("wrong-guess", stored)

    @override_settings(AXES_ENABLED=False)
    def test_negative_control_without_axes_the_right_password_still_works(self):
        # Shows that the lockout tests above depend on django-axes being on.
        self.guess_passwords(LIMIT)
        response = self.full_sign_in()
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
