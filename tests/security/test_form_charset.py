"""A form body declared in a charset other than UTF-8 gets the 400 page (issue 13, item 3).

Before: Django refuses to decode such a body, but raises BadRequest afresh at each reading of
request.POST, first in the CSRF check and then in the error handlers, which check CSRF again; so
any visitor, signed in or not, got a bare server error from every POST route (gunicorn's page
and a traceback in the log per request).

Now two layers, each enough on its own for that body: config.middleware.FormCharsetMiddleware
answers before anything reads the body, and the app's 400 and 500 handlers never read it. The
middleware also refuses an unknown charset, which Django would silently read as UTF-8.

Every POST route of the access matrix is tried, signed out and as the persona the route is
for, with a valid CSRF cookie and token (so that nothing but the charset is wrong), through the
whole WSGI stack with DEBUG off and exceptions turned into responses as in production.
"""

from unittest import mock
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import BadRequest
from django.test import override_settings
from django.test.client import BOUNDARY, encode_multipart
from django.views import defaults

from clients.models import Client
from config import urls as config_urls
from tests.builders import client_form
from tests.security import attack
from tests.security.attack import canaries_in, census, census_changes, rolled_back
from tests.security.csrf import POSTING, CsrfCase, new_token

FORM = "application/x-www-form-urlencoded"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
LATIN_1 = f"{FORM}; charset=latin-1"
THE_400_PAGE = "That request could not be understood"
TYPED_NAME = "Renée Çelik"
WITHOUT_CHARSET_CHECK = [
    m for m in settings.MIDDLEWARE if m != "config.middleware.FormCharsetMiddleware"
]
DJANGO_HANDLERS = {"handler400": defaults.bad_request, "handler500": defaults.server_error}
SAMPLE = ("login", "logout", "client_create", "session_edit", "draft_autosave", "account_create")


def _lines(failures: list[str]) -> str:
    return "\n".join(failures)


def form_body(data: dict, token: str, charset: str = "latin-1") -> bytes:
    fields = {**(data or {}), "csrfmiddlewaretoken": token, "typed": TYPED_NAME}
    return urlencode(fields, doseq=True, encoding=charset).encode("ascii")


def multipart_body(data: dict, token: str) -> bytes:
    fields = {**(data or {}), "csrfmiddlewaretoken": token, "typed": TYPED_NAME}
    return encode_multipart(BOUNDARY, fields)


@override_settings(DEBUG=False)
class FormCharsetCase(CsrfCase):
    counts_title = "non-UTF-8 form bodies"

    def client_for(self, key, route, *, signed_in: bool):
        """The persona (or an anonymous visitor) with a valid CSRF cookie; and its token."""
        anonymous = self.anonymous(enforce_csrf_checks=True)
        client = self.poster(key, route) if signed_in else anonymous
        client.raise_request_exception = False
        secret, token = new_token()
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        return client, token

    def new_client(self) -> Client:
        return Client.objects.exclude(pk__in=[self.alice_client.pk, self.bob_client.pk]).get()

    def send(self, client, path: str, body: bytes, content_type: str, **headers):
        """The response, or the exception that escaped every handler (as gunicorn sees it)."""
        try:
            return client.generic("POST", path, body, content_type, headers=headers)
        except Exception as error:  # what escaped every handler is the finding
            return error

    def refusal_failures(self, keys, *, signed_in: bool, content_type=LATIN_1, body=form_body):
        failures = []
        for key in keys:
            route = POSTING[key]
            client, token = self.client_for(key, route, signed_in=signed_in)
            for path, data in self.targets(key, route):
                with rolled_back():
                    before = census()
                    response = self.send(client, path, body(data, token), content_type)
                    changed = census_changes(before, census(), strict=True)
                attack.count("POSTs refused")
                where = f"{'signed in' if signed_in else 'signed out'} POST {path} ({key})"
                failures += [f"{where}: changed {c}" for c in changed]
                if isinstance(response, Exception):
                    failures.append(f"{where}: {type(response).__name__} escaped every handler")
                    continue
                text = response.content.decode(errors="replace")
                if response.status_code != 400 or THE_400_PAGE not in text:
                    failures.append(f"{where}: {response.status_code}, not the 400 page")
                if "Traceback" in text or canaries_in(text) or TYPED_NAME in text:
                    failures.append(f"{where}: the page shows more than the refusal")
        return failures


class EveryPostRouteTests(FormCharsetCase):
    def test_signed_out_every_post_route_answers_the_400_page_and_changes_nothing(self):
        failures = self.refusal_failures(POSTING, signed_in=False)
        self.assertEqual(failures, [], _lines(failures))
        self.assertGreaterEqual(self.checks_made()["POSTs refused"], len(POSTING))

    def test_signed_in_every_post_route_answers_the_400_page_and_changes_nothing(self):
        failures = self.refusal_failures(POSTING, signed_in=True)
        self.assertEqual(failures, [], _lines(failures))
        self.assertGreaterEqual(self.checks_made()["POSTs refused"], len(POSTING))

    def test_a_multipart_body_declared_latin_1_is_refused_too(self):
        content_type = f"{MULTIPART}; charset=latin-1"
        failures = self.refusal_failures(
            SAMPLE, signed_in=True, content_type=content_type, body=multipart_body
        )
        self.assertEqual(failures, [], _lines(failures))

    def test_every_other_charset_and_an_unknown_one_are_refused(self):
        for charset in ("ISO-8859-1", "windows-1252", "utf-16", "us-ascii", "foo", '"latin-1"'):
            with self.subTest(charset=charset):
                failures = self.refusal_failures(
                    ["client_create", "login"],
                    signed_in=True,
                    content_type=f"{FORM}; charset={charset}",
                )
                self.assertEqual(failures, [], _lines(failures))

    def test_the_refusal_is_logged_as_a_bad_request_without_a_traceback(self):
        key = "client_create"
        client, token = self.client_for(key, POSTING[key], signed_in=True)
        path, data = self.targets(key, POSTING[key])[0]
        with self.assertLogs("django.request", "WARNING") as logs:
            self.send(client, path, form_body(data, token), LATIN_1)
        self.assertEqual([record.getMessage() for record in logs.records], [f"Bad Request: {path}"])
        self.assertTrue(all(record.exc_info is None for record in logs.records))


class Utf8IsReadTests(FormCharsetCase):
    def post_client(self, content_type: str, charset: str = "utf-8"):
        client, token = self.client_for("client_create", POSTING["client_create"], signed_in=True)
        data = client_form(full_name=TYPED_NAME)
        body = urlencode({**data, "csrfmiddlewaretoken": token}, encoding=charset).encode()
        return self.send(client, "/clients/new/", body, content_type)

    def test_utf_8_in_any_spelling_or_none_stores_what_was_typed(self):
        for charset in (
            "",
            "; charset=utf-8",
            "; charset=UTF-8",
            "; charset=utf8",
            '; charset="UTF8"',
        ):
            with self.subTest(charset=charset), rolled_back():
                response = self.post_client(FORM + charset)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(self.new_client().full_name, TYPED_NAME)

    def test_the_autosave_script_gets_a_json_refusal_it_can_show(self):
        route = POSTING["draft_autosave"]
        client, token = self.client_for("draft_autosave", route, signed_in=True)
        path, data = self.targets("draft_autosave", route)[0]
        response = self.send(
            client, path, form_body(data, token), LATIN_1, accept="application/json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["status"], "invalid")
        self.assertIn("other than UTF-8", response.json()["message"])

    def test_the_autosave_still_saves_a_utf8_post_positive_control(self):
        route = POSTING["draft_autosave"]
        client, token = self.client_for("draft_autosave", route, signed_in=True)
        path, data = self.targets("draft_autosave", route)[0]
        body = form_body(data, token, charset="utf-8")
        response = self.send(client, path, body, f"{FORM}; charset=utf8", accept="application/json")
        self.assertEqual(response.json()["status"], "saved")


class EachLayerTests(FormCharsetCase):
    """Each layer alone turns a latin-1 body into the 400 page; without both, the request is
    the bare server error of the issue."""

    @override_settings(MIDDLEWARE=WITHOUT_CHARSET_CHECK)
    def test_without_the_middleware_and_with_django_handlers_it_escapes_negative_control(self):
        with mock.patch.multiple(config_urls, **DJANGO_HANDLERS):
            failures = self.refusal_failures(SAMPLE, signed_in=False)
        for key in SAMPLE:
            self.assertIn(f"({key}): BadRequest escaped every handler", _lines(failures))
        self.assertTrue(all("BadRequest escaped every handler" in f for f in failures), failures)
        client, token = self.client_for("login", POSTING["login"], signed_in=False)
        with mock.patch.multiple(config_urls, **DJANGO_HANDLERS), self.assertRaises(BadRequest):
            client.generic("POST", "/accounts/login/", form_body({}, token), LATIN_1)

    @override_settings(MIDDLEWARE=WITHOUT_CHARSET_CHECK)
    def test_the_apps_handlers_alone_answer_the_400_page(self):
        failures = self.refusal_failures(SAMPLE, signed_in=True)
        self.assertEqual(failures, [], _lines(failures))

    def test_the_middleware_alone_answers_the_400_page(self):
        with mock.patch.multiple(config_urls, **DJANGO_HANDLERS):
            failures = self.refusal_failures(SAMPLE, signed_in=False)
        self.assertEqual(failures, [], _lines(failures))

    @override_settings(MIDDLEWARE=WITHOUT_CHARSET_CHECK)
    def test_without_the_middleware_an_unknown_charset_stores_other_text_negative_control(self):
        client, token = self.client_for("client_create", POSTING["client_create"], signed_in=True)
        data = client_form(full_name=TYPED_NAME)
        body = urlencode({**data, "csrfmiddlewaretoken": token}, encoding="latin-1").encode()
        response = self.send(client, "/clients/new/", body, f"{FORM}; charset=foo")
        self.assertEqual(response.status_code, 302)
        stored = self.new_client()
        self.assertNotEqual(stored.full_name, TYPED_NAME)
        self.assertIn("\ufffd", stored.full_name)
