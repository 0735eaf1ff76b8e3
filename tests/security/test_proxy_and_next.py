"""Behind a reverse proxy the audit log and the lockout see the client's address; and a
sign-in redirect never carries a query string (which could hold typed words)."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.test import Client, RequestFactory, TestCase, override_settings
from django.urls import reverse

from accounts.middleware import LoginRequiredMiddleware
from audit.models import Action, AuditEvent
from tests.base import make_therapist

PROXY = "10.0.0.2"


def failed_sign_in(client_ip_header: str, peer: str = PROXY):
    return Client().post(
        reverse("login"),
        {"username": "alice", "password": "not-the-password"},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=client_ip_header,
    )


class TrustedProxyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_therapist("alice")

    def last_failure_ip(self) -> str:
        entry = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).order_by("-seq").first()
        return entry.ip_address

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_the_client_address_comes_from_the_trusted_proxy(self):
        failed_sign_in("203.0.113.5")
        self.assertEqual(self.last_failure_ip(), "203.0.113.5")

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_what_the_client_wrote_into_the_header_is_ignored(self):
        failed_sign_in("6.6.6.6, 203.0.113.5")
        self.assertEqual(self.last_failure_ip(), "203.0.113.5")

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_a_peer_that_is_not_a_trusted_proxy_cannot_pick_its_address(self):
        failed_sign_in("203.0.113.5", peer="198.51.100.20")
        self.assertEqual(self.last_failure_ip(), "198.51.100.20")

    def test_negative_control_without_trusted_proxies_every_entry_has_the_proxy(self):
        failed_sign_in("203.0.113.5")
        self.assertEqual(self.last_failure_ip(), PROXY)

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_a_stranger_behind_the_same_proxy_cannot_lock_the_therapist_out(self):
        for _ in range(5):
            failed_sign_in("198.51.100.66")
        locked = failed_sign_in("198.51.100.66")
        self.assertEqual(locked.status_code, 429)
        response = Client().post(
            reverse("login"),
            {"username": "alice", "password": "a-long-test-password-2026"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
        self.assertEqual(response.status_code, 302)


class SignInRedirectTests(TestCase):
    def test_the_query_string_is_not_carried_to_the_sign_in_page(self):
        response = self.client.get("/clients/?q=Quillfeather")
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("Quillfeather", response["Location"])
        self.assertIn("next=/clients/", response["Location"])

    def test_opaque_ids_are_kept(self):
        client_id = "9d356ef0-2045-41da-9bb5-2376aa19ddd0"
        response = self.client.get(f"/sessions/log/?client={client_id}&q=Quillfeather")
        self.assertIn(client_id, response["Location"])
        self.assertNotIn("Quillfeather", response["Location"])

    def test_negative_control_djangos_own_middleware_would_carry_it(self):
        request = RequestFactory().get("/clients/?q=Quillfeather")
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        from clients.views import client_list

        ours = LoginRequiredMiddleware(lambda r: None).process_view(request, client_list, (), {})
        djangos = DjangoLoginRequired(lambda r: None).process_view(request, client_list, (), {})
        self.assertNotIn("Quillfeather", ours["Location"])
        self.assertIn("Quillfeather", djangos["Location"])
