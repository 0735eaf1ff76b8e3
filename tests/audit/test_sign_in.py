"""Sign-in, sign-out and failed sign-in through the real views: the password step and the
completed sign-in are two entries, each written once, and never the password or a name that
belongs to no account."""

import re

from django.contrib.auth.signals import user_logged_in
from django.test import TestCase
from django.urls import reverse

from accounts.testing import code_for_secret, sign_in, totp_device, unused_code
from accounts.two_factor import new_backup_codes
from audit.models import Action, Outcome
from audit.services import log_event
from tests.audit.helpers import audit_rows, new_entries
from tests.base import PASSWORD, make_therapist

TYPED_PASSWORD = "Wintergarden-7731-Ψ"  # typed into the username box by mistake


class SignInTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")

    def setUp(self):
        self.device = totp_device(self.alice)

    def sign_in(self, username: str, password: str):
        return self.client.post(reverse("login"), {"username": username, "password": password})

    def code(self, token: str):
        return self.client.post(reverse("two_factor_verify"), {"otp_token": token})

    def assertAliceEntry(self, entry, action):
        self.assertEqual(entry.action, action)
        self.assertEqual((entry.user_id, entry.username), (self.alice.pk, "alice"))
        self.assertEqual((entry.object_type, entry.object_id), ("user", str(self.alice.pk)))
        self.assertEqual((entry.ip_address, entry.outcome), ("127.0.0.1", Outcome.OK))
        self.assertEqual(entry.client_code, "")

    def assertPasswordStepOnly(self, entries):
        """The password alone is recorded as accepted, and nobody is signed in yet."""
        self.assertEqual([entry.action for entry in entries], [Action.PASSWORD_ACCEPTED])

    def test_the_password_alone_writes_password_accepted_and_no_sign_in(self):
        with new_entries() as entries:
            response = self.sign_in("alice", PASSWORD)

        self.assertRedirects(response, reverse("two_factor_verify"), fetch_redirect_response=False)
        self.assertPasswordStepOnly(entries)
        self.assertAliceEntry(entries[0], Action.PASSWORD_ACCEPTED)

    def test_the_code_step_writes_one_signed_in_entry(self):
        self.sign_in("alice", PASSWORD)

        with new_entries() as entries:
            response = self.code(unused_code(self.device))

        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        self.assertEqual(len(entries), 1)
        self.assertAliceEntry(entries[0], Action.SIGN_IN)

    def test_a_backup_code_completes_the_sign_in_too(self):
        backup = new_backup_codes(self.alice)[0]
        self.sign_in("alice", PASSWORD)

        with new_entries() as entries:
            self.code(backup)

        self.assertEqual([entry.action for entry in entries], [Action.SIGN_IN])

    def test_a_wrong_code_writes_a_failure_and_no_sign_in(self):
        self.sign_in("alice", PASSWORD)

        with new_entries() as entries:
            response = self.code("000000")

        self.assertContains(response, "That code is not right")
        self.assertEqual(
            [(e.action, e.user_id, e.outcome) for e in entries],
            [(Action.SIGN_IN_FAILED, self.alice.pk, Outcome.DENIED)],
        )

    def test_a_revisit_of_the_code_page_once_signed_in_writes_nothing(self):
        self.sign_in("alice", PASSWORD)
        self.code(unused_code(self.device))

        with new_entries() as entries:
            self.client.get(reverse("two_factor_verify"))

        self.assertEqual(entries, [])

    def test_replacing_the_authenticator_is_not_a_second_sign_in(self):
        sign_in(self.client, self.alice)
        self.client.post(reverse("two_factor_manage"), {"action": "replace", "password": PASSWORD})
        page = self.client.get(reverse("two_factor_setup")).content.decode()
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)

        with new_entries() as entries:
            self.client.post(reverse("two_factor_setup"), {"otp_token": code_for_secret(secret)})

        self.assertEqual([entry.action for entry in entries], [Action.TWO_FACTOR_SET_UP])

    def test_negative_control_signed_in_at_the_password_step_is_caught(self):
        # The old wiring: "signed in" on Django's user_logged_in, i.e. after the password.
        def signed_in_too_early(sender, request, user, **kwargs):
            log_event(action=Action.SIGN_IN, request=request, user=user, obj=user)

        user_logged_in.connect(signed_in_too_early, dispatch_uid="test_signed_in_too_early")
        try:
            with new_entries() as entries:
                self.sign_in("alice", PASSWORD)
        finally:
            user_logged_in.disconnect(dispatch_uid="test_signed_in_too_early")

        with self.assertRaises(AssertionError):
            self.assertPasswordStepOnly(entries)

    def test_a_sign_out_writes_one_entry(self):
        self.sign_in("alice", PASSWORD)

        with new_entries() as entries:
            self.client.post(reverse("logout"))

        self.assertEqual([entry.action for entry in entries], [Action.SIGN_OUT])
        self.assertEqual(entries[0].user_id, self.alice.pk)

    def test_signing_out_when_not_signed_in_writes_nothing(self):
        with new_entries() as entries:
            self.client.post(reverse("logout"))

        self.assertEqual(entries, [])

    def test_a_wrong_password_for_an_account_is_logged_against_that_account(self):
        with new_entries() as entries:
            response = self.sign_in("alice", "not-her-password-at-all")

        self.assertEqual(response.status_code, 200)
        self.assertEqual([entry.action for entry in entries], [Action.SIGN_IN_FAILED])
        entry = entries[0]
        self.assertEqual((entry.user_id, entry.username), (self.alice.pk, "alice"))
        self.assertEqual((entry.outcome, entry.ip_address), (Outcome.DENIED, "127.0.0.1"))
        self.assertNotIn("not-her-password", str(audit_rows()))

    def test_a_password_typed_as_the_username_is_stored_nowhere(self):
        with new_entries() as entries:
            self.sign_in(TYPED_PASSWORD, PASSWORD)

        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertEqual(
            (entry.action, entry.user_id, entry.username), ("sign_in_failed", None, "")
        )
        self.assertEqual(entry.ip_address, "127.0.0.1")
        stored = str(audit_rows())
        for secret in (TYPED_PASSWORD, "Wintergarden", PASSWORD):
            self.assertNotIn(secret, stored)

    def test_a_failed_sign_in_while_signed_in_is_not_put_on_the_signed_in_user(self):
        sign_in(self.client, self.alice)

        with new_entries() as entries:
            self.sign_in("nobody-of-that-name", "whatever-password")

        self.assertEqual([(e.action, e.user_id) for e in entries], [("sign_in_failed", None)])
