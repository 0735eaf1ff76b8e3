"""`manage.py totp_code USERNAME`: the code that signs a development user in without a phone,
refused unless DEBUG is on, for an unknown user, and for a user with no authenticator."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.testing import totp_device
from tests.base import PASSWORD, make_therapist
from tests.processes import PRODUCTION, copy_checkout, run_python


class TotpCodeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.dana = make_therapist("dana")

    def totp_code(self, username: str, *, debug: bool = True) -> str:
        out = StringIO()
        with self.settings(DEBUG=debug):
            call_command("totp_code", username, stdout=out)
        return out.getvalue().strip()

    def password_step(self):
        return self.client.post(reverse("login"), {"username": "dana", "password": PASSWORD})

    def test_the_printed_code_passes_the_second_step(self):
        device = totp_device(self.dana)
        self.password_step()
        code = self.totp_code("dana")
        self.assertRegex(code, r"^\d{6}$")
        response = self.client.post(reverse("two_factor_verify"), {"otp_token": code})
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
        device.refresh_from_db()
        self.assertGreaterEqual(device.last_t, 0)  # the code was spent by the sign-in

    def test_a_code_works_once_and_the_next_call_prints_one_that_still_works(self):
        device = totp_device(self.dana)
        first = self.totp_code("dana")
        self.assertTrue(device.verify_token(first))
        # (No replay attempt here: a refused code throttles the device for the next one.)
        second = self.totp_code("dana")
        self.assertNotEqual(second, first)
        self.assertTrue(device.verify_token(second))

    def test_at_the_first_sign_in_it_prints_the_code_of_the_authenticator_being_set_up(self):
        self.password_step()
        self.client.get(reverse("two_factor_setup"))  # the page makes the pending authenticator
        done = self.client.post(reverse("two_factor_setup"), {"otp_token": self.totp_code("dana")})
        self.assertContains(done, "Two-factor sign-in is set up")
        self.assertTrue(TOTPDevice.objects.get(user=self.dana).confirmed)

    def test_refused_unless_debug(self):
        """Negative control: the same user and device, DEBUG off."""
        device = totp_device(self.dana)
        last_t = device.last_t
        with self.assertRaisesMessage(CommandError, "development only"):
            self.totp_code("dana", debug=False)
        device.refresh_from_db()
        self.assertEqual(device.last_t, last_t)

    def test_refused_for_an_unknown_user(self):
        with self.assertRaisesMessage(CommandError, "there is no account called 'nobody'"):
            self.totp_code("nobody")

    def test_refused_for_a_user_without_an_authenticator(self):
        with self.assertRaisesMessage(CommandError, "dana has no authenticator yet"):
            self.totp_code("dana")


def test_on_a_server_one_line_on_stderr_and_a_failing_exit_status(tmp_path):
    """As an operator would meet it: production settings (DEBUG unset), a separate process."""
    checkout = copy_checkout(tmp_path / "checkout")
    result = run_python(checkout, ["manage.py", "totp_code", "demo"], **PRODUCTION)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "totp_code is for development only" in lines[0]
