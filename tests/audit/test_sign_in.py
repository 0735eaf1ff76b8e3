"""Sign-in, sign-out and failed sign-in through the real views: one entry each, and never the
password or a name that belongs to no account."""

from django.test import TestCase
from django.urls import reverse

from accounts.testing import sign_in
from audit.models import Action, Outcome
from tests.audit.helpers import audit_rows, new_entries
from tests.base import PASSWORD, make_therapist

TYPED_PASSWORD = "Wintergarden-7731-Ψ"  # typed into the username box by mistake


class SignInTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")

    def sign_in(self, username: str, password: str):
        return self.client.post(reverse("login"), {"username": username, "password": password})

    def test_a_sign_in_writes_one_entry_with_user_and_ip(self):
        with new_entries() as entries:
            response = self.sign_in("alice", PASSWORD)

        self.assertEqual(response.status_code, 302)
        self.assertEqual([entry.action for entry in entries], [Action.SIGN_IN])
        entry = entries[0]
        self.assertEqual((entry.user_id, entry.username), (self.alice.pk, "alice"))
        self.assertEqual((entry.object_type, entry.object_id), ("user", str(self.alice.pk)))
        self.assertEqual((entry.ip_address, entry.outcome), ("127.0.0.1", Outcome.OK))
        self.assertEqual(entry.client_code, "")

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
