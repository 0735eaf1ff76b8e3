"""Response headers every page gets: CSP, framing, sniffing, referrer, caching."""

import datetime

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.base import PersonaTestCase
from tests.builders import summary_form
from tests.pages import export

from .helpers import csp_directives

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


class ContentSecurityPolicyTests(PersonaTestCase):
    def test_the_sign_in_page_has_the_exact_policy(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(csp_directives(response), EXPECTED_POLICY)

    def test_signed_in_pages_have_the_policy_without_unsafe_sources(self):
        self.sign_in(self.alice)
        for url in [
            reverse("dashboard"),
            reverse("client_detail", args=[self.alice_client.pk]),
            reverse("session_create", args=[self.alice_client.pk]),
            reverse("search"),
            reverse("audit_log"),
        ]:
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                directives = csp_directives(response)
                self.assertEqual(directives, EXPECTED_POLICY)
                sources = " ".join(" ".join(v) for v in directives.values())
                self.assertNotIn("unsafe-inline", sources)
                self.assertNotIn("unsafe-eval", sources)

    def test_a_404_has_the_policy_too(self):
        self.sign_in(self.bob)
        response = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(csp_directives(response), EXPECTED_POLICY)

    def test_pages_have_no_inline_script_or_style_attribute(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
        html = response.content.decode()
        self.assertNotIn("<script>", html)
        self.assertNotIn(" style=", html)
        self.assertNotIn(" onclick=", html)

    def test_without_the_csp_middleware_the_check_reports_a_missing_header(self):
        middleware = [m for m in settings.MIDDLEWARE if "csp" not in m]
        with override_settings(MIDDLEWARE=middleware):
            response = self.client.get(reverse("login"))
        with self.assertRaisesMessage(AssertionError, "No Content-Security-Policy header"):
            csp_directives(response)


class BrowserHeaderTests(PersonaTestCase):
    def test_framing_sniffing_referrer_and_opener_are_locked_down(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["Cross-Origin-Opener-Policy"], "same-origin")

    @override_settings(
        SECURE_HSTS_SECONDS=31_536_000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
    )
    def test_https_responses_carry_hsts(self):
        response = self.client.get(reverse("login"), secure=True)
        self.assertEqual(
            response["Strict-Transport-Security"], "max-age=31536000; includeSubDomains; preload"
        )

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_plain_http_is_redirected_to_https(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].startswith("https://"))


class NoStoreTests(PersonaTestCase):
    def assertNoStore(self, response):
        self.assertIn("no-store", response.headers.get("Cache-Control", ""))

    def test_the_sign_in_page_is_not_stored(self):
        self.assertNoStore(self.client.get(reverse("login")))

    def test_a_redirect_to_sign_in_is_not_stored(self):
        response = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertNoStore(response)

    def test_signed_in_pages_and_json_are_not_stored(self):
        self.sign_in(self.alice)
        self.assertNoStore(self.client.get(reverse("dashboard")))
        self.assertNoStore(self.client.get(reverse("client_detail", args=[self.alice_client.pk])))
        suggestions = self.client.post(reverse("theme_suggest"), {"text": "felt dismissed"})
        self.assertNoStore(suggestions)

    def test_the_record_export_is_not_stored(self):
        self.sign_in(self.alice)
        response = export(self.client, self.alice_client)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertNoStore(response)

    def test_the_case_summary_pdf_is_not_stored(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("case_summary", args=[self.alice_client.pk]),
            summary_form(date_from="2026-01-01", date_to=datetime.date.today().isoformat()),
        )
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertNoStore(response)

    def test_without_the_middleware_a_redirect_to_sign_in_would_be_cacheable(self):
        middleware = [m for m in settings.MIDDLEWARE if "NoStore" not in m]
        with override_settings(MIDDLEWARE=middleware):
            response = self.client.get(reverse("dashboard"))
        self.assertNotIn("no-store", response.headers.get("Cache-Control", ""))
