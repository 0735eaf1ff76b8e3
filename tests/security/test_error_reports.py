"""What a failure shows: the custom 500 page to the user; no client data in reports or logs."""

import contextlib
import logging
import uuid

from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter

from accounts.testing import sign_in
from clients import views as client_views
from config import urls as config_urls
from sessions import erasure_views
from sessions import views as session_views
from summaries import views as summary_views
from tests.base import ALICE_CANARY_NOTE, PersonaTestCase
from themes import note_views, suggest_views

from .helpers import csp_directives

CANARY = "kestrel-Ж4-sensitive-disclosure"


@override_settings(ROOT_URLCONF="tests.security.urls", DEBUG=False)
class ServerErrorPageTests(PersonaTestCase):
    def setUp(self):
        self.client.raise_request_exception = False
        self.sign_in(self.alice)

    def test_the_custom_page_is_shown_without_a_traceback(self):
        with self.assertLogs("django.request", "ERROR"):
            response = self.client.get("/fail/")
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Something went wrong", status_code=500)
        body = response.content.decode()
        self.assertNotIn("Traceback", body)
        self.assertNotIn("a failure inside a view", body)
        self.assertNotIn("alice", body.lower())  # no user, no context processors
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(csp_directives(response)["default-src"], ["'self'"])

    def test_the_error_log_names_the_path_only(self):
        with self.assertLogs("django.request", "ERROR") as logs:
            self.client.post(f"/fail/?note={CANARY}", {"note": ALICE_CANARY_NOTE})
        formatted = "\n".join(logging.Formatter().format(record) for record in logs.records)
        self.assertIn("Internal Server Error: /fail/", formatted)
        self.assertNotIn(CANARY, formatted)
        self.assertNotIn(ALICE_CANARY_NOTE, formatted)

    def test_the_urlconf_names_the_custom_handler(self):
        self.assertEqual(config_urls.handler500, "config.views.server_error")


class SensitivePostParameterTests(PersonaTestCase):
    """An error report (ExceptionReporter, as mail_admins would send) hides posted values."""

    VIEWS = [
        (client_views.client_create, {}),
        (client_views.client_edit, {"pk": uuid.uuid4()}),
        (client_views.client_discharge, {"pk": uuid.uuid4()}),
        (summary_views.client_export, {"pk": uuid.uuid4()}),
        (erasure_views.client_erase, {"pk": uuid.uuid4()}),
        (session_views.session_create, {"client_pk": uuid.uuid4()}),
        (session_views.session_edit, {"pk": uuid.uuid4()}),
        (note_views.session_accept_theme, {"pk": uuid.uuid4()}),
        (note_views.session_dismiss_theme, {"pk": uuid.uuid4()}),
        (session_views.addendum_create, {"pk": uuid.uuid4()}),
        (session_views.process_note, {"pk": uuid.uuid4()}),
        (session_views.autosave, {"draft_key": uuid.uuid4()}),
        (suggest_views.theme_suggestions, {}),
        (suggest_views.client_theme_exclusions, {"client_pk": uuid.uuid4()}),
    ]

    def report(self, view, data: dict, **kwargs) -> str:
        request = RequestFactory().post("/", data)
        request.user = self.alice
        request._dont_enforce_csrf_checks = True
        # Only the markings the decorators leave on the request matter here.
        with contextlib.suppress(Exception):
            view(request, **kwargs)
        return ExceptionReporter(request, None, None, None).get_traceback_text()

    def test_views_taking_client_data_hide_every_posted_value(self):
        for view, kwargs in self.VIEWS:
            with self.subTest(view.__name__):
                text = self.report(view, {"note_subjective": CANARY, "full_name": CANARY}, **kwargs)
                self.assertNotIn(CANARY, text)
                self.assertIn("********************", text)

    def test_the_case_summary_hides_passphrase_and_reason(self):
        text = self.report(
            summary_views.case_summary,
            {"passphrase": CANARY, "passphrase_confirm": CANARY, "process_notes_reason": CANARY},
            client_pk=uuid.uuid4(),
        )
        self.assertNotIn(CANARY, text)

    def test_an_unmarked_request_would_show_the_value(self):
        request = RequestFactory().post("/", {"note_subjective": CANARY})
        text = ExceptionReporter(request, None, None, None).get_traceback_text()
        self.assertIn(CANARY, text)

    def test_sign_in_and_password_change_hide_passwords(self):
        for url, data in [
            (reverse("login"), {"username": "alice", "password": CANARY}),
            (reverse("password_change"), {"old_password": CANARY, "new_password1": CANARY}),
        ]:
            with self.subTest(url):
                sign_in(self.client, self.alice)
                response = self.client.post(url, data)
                text = ExceptionReporter(response.wsgi_request, None, None, None)
                self.assertNotIn(CANARY, text.get_traceback_text())
