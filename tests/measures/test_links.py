"""The one-time questionnaire link: off by default; when on, made by the therapist and shown
once, valid 72 hours and once, nothing but the questions, one neutral answer for every link
that does not work, refusals limited per address, CSRF on its post, and the token in no log
and no audit entry."""

import datetime
import io
import logging
import os
import re
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from measures import link_views, services
from measures.models import Administration, ClientLink
from tests.base import PersonaTestCase
from tests.builders import measure_form

LINKS_ON = override_settings(MEASURES_CLIENT_LINKS=True)
INVALID = "This link is no longer valid"


def answers(total=9, **overrides):
    return measure_form("gad7", total=total, administered_on=None, **overrides)


class LinkCase(PersonaTestCase):
    def setUp(self):
        cache.clear()  # the refusal counters
        self.addCleanup(cache.clear)
        self.visitor = HttpClient()

    def make_link(self, slug="gad7"):
        _, token = services.create_link(
            client=self.alice_client, measure_slug=slug, user=self.alice
        )
        return token

    def url(self, token):
        return reverse("measure_link", args=[token])


class SettingOffTests(LinkCase):
    def test_the_setting_is_off_unless_set(self):
        self.assertNotIn("MEASURES_CLIENT_LINKS", os.environ)
        self.assertIs(settings.MEASURES_CLIENT_LINKS, False)

    def test_the_button_is_absent_and_the_address_answers_404(self):
        token = self.make_link()
        self.sign_in(self.alice)
        page = self.client.get(reverse("measure_choose", args=[self.alice_client.pk]))
        self.assertNotContains(page, "Make a link")
        response = self.visitor.get(self.url(token))
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, INVALID, status_code=404)
        self.assertNotContains(response, "Feeling nervous", status_code=404)

    def test_making_a_link_is_refused_with_a_message(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("measure_link_create", args=[self.alice_client.pk, "gad7"]), follow=True
        )
        self.assertContains(response, "Questionnaire links are turned off")
        self.assertFalse(ClientLink.objects.exists())


@LINKS_ON
class MakeLinkTests(LinkCase):
    def test_the_address_is_shown_once_and_only_its_hash_is_stored(self):
        self.sign_in(self.alice)
        choose = self.client.get(reverse("measure_choose", args=[self.alice_client.pk]))
        self.assertContains(choose, "Make a link")
        response = self.client.post(
            reverse("measure_link_create", args=[self.alice_client.pk, "gad7"])
        )
        address = re.search(r'id="link-address" value="([^"]+)"', response.content.decode())[1]
        token = address.rstrip("/").rsplit("/", 1)[1]
        link = ClientLink.objects.get()
        self.assertEqual(link.token_hash, services.token_hash(token))
        self.assertNotEqual(link.token_hash, token)
        self.assertEqual(response["Cache-Control"], "no-store")
        # The raw token is in no table: only its hash, and the audit entry names the link.
        entry = AuditEvent.objects.get(action=Action.MEASURE_LINK_CREATED)
        self.assertNotIn(token, f"{entry.object_id} {entry.object_type} {entry.client_code}")

    def test_bob_cannot_make_a_link_for_alices_client(self):
        self.sign_in(self.bob)
        response = self.client.post(
            reverse("measure_link_create", args=[self.alice_client.pk, "gad7"])
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(ClientLink.objects.exists())


@LINKS_ON
class PublicPageTests(LinkCase):
    def test_the_page_shows_the_questions_and_no_name_or_code(self):
        response = self.visitor.get(self.url(self.make_link()))
        self.assertContains(response, "Feeling nervous, anxious, or on edge")
        html = response.content.decode()
        for absent in (self.alice_client.full_name, "Quillfeather", self.alice_client.code):
            self.assertNotIn(absent, html)
        self.assertNotIn("<a ", html)
        self.assertNotIn("navbar", html)
        # The origin only, never the path holding the token; and never "no-referrer", with
        # which Chromium posts "Origin: null" and the CSRF check refuses the answers
        # (tests/browser/test_handover.py sends them in a browser).
        self.assertEqual(response["Referrer-Policy"], "strict-origin")
        self.assertIn('<meta name="referrer" content="strict-origin">', html)
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_sending_the_answers_stores_them_once(self):
        token = self.make_link()
        response = self.visitor.post(self.url(token), answers(total=11))
        self.assertContains(response, "Thank you")
        stored = Administration.objects.get()
        self.assertEqual((stored.measure, stored.source, stored.total), ("gad7", "link", 11))
        self.assertEqual(stored.administered_on, timezone.localdate())
        self.assertIsNotNone(ClientLink.objects.get().used_at)
        # Single use: the same address is now the neutral page, for a look or a second post.
        again = self.visitor.get(self.url(token))
        self.assertContains(again, INVALID, status_code=404)
        second = self.visitor.post(self.url(token), answers(total=3))
        self.assertEqual(second.status_code, 404)
        self.assertEqual(Administration.objects.count(), 1)

    def test_the_link_expires_after_72_hours(self):
        token = self.make_link()
        later = timezone.now() + datetime.timedelta(hours=72, minutes=1)
        with mock.patch("django.utils.timezone.now", return_value=later):
            response = self.visitor.post(self.url(token), answers())
        self.assertContains(response, INVALID, status_code=404)
        self.assertFalse(Administration.objects.exists())
        # Just before: still open.
        earlier = timezone.now() + datetime.timedelta(hours=71, minutes=59)
        with mock.patch("django.utils.timezone.now", return_value=earlier):
            self.assertEqual(self.visitor.get(self.url(token)).status_code, 200)

    def test_unknown_used_and_expired_links_get_the_same_page(self):
        used = self.make_link()
        self.visitor.post(self.url(used), answers())
        expired = self.make_link()
        ClientLink.objects.filter(used_at__isnull=True).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        bodies = {
            self.visitor.get(self.url(token)).content
            for token in (used, expired, "x" * 43, "not-a-token")
        }
        self.assertEqual(len(bodies), 1)

    def test_nothing_answered_shows_the_questions_again_and_counts_against_the_link(self):
        token = self.make_link()
        response = self.visitor.post(self.url(token), {})
        self.assertContains(response, "Answer at least one question.")
        self.assertEqual(ClientLink.objects.get().refused_count, 1)
        self.assertEqual(AuditEvent.objects.filter(action=Action.MEASURE_LINK_REFUSED).count(), 1)

    def test_csrf_is_enforced_on_the_post(self):
        token = self.make_link()
        browser = HttpClient(enforce_csrf_checks=True)
        refused = browser.post(self.url(token), answers())
        self.assertEqual(refused.status_code, 403)
        self.assertFalse(Administration.objects.exists())
        # Positive control: the page hands out the token, and the post with it is accepted.
        page = browser.get(self.url(token)).content.decode()
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        accepted = browser.post(self.url(token), answers() | {"csrfmiddlewaretoken": form_token})
        self.assertContains(accepted, "Thank you")

    def test_a_signed_in_therapist_sees_the_same_page(self):
        self.sign_in(self.alice)
        response = self.client.get(self.url(self.make_link()))
        self.assertContains(response, "Feeling nervous")
        self.assertNotContains(response, self.alice_client.code)


@LINKS_ON
class RefusalLimitTests(LinkCase):
    def test_past_the_limit_an_address_gets_the_neutral_page_even_for_a_working_link(self):
        token = self.make_link()
        for _ in range(link_views.REFUSALS_PER_WINDOW):
            self.assertEqual(self.visitor.get(self.url("guessed-token")).status_code, 404)
        response = self.visitor.get(self.url(token))
        self.assertContains(response, INVALID, status_code=404)
        # Another address is not held back (negative control of the limit's scope).
        elsewhere = HttpClient(REMOTE_ADDR="192.0.2.7")
        self.assertEqual(elsewhere.get(self.url(token)).status_code, 200)

    def test_refusals_are_audited_up_to_a_rate_without_the_token(self):
        guesses = [f"guess-{n:03d}" for n in range(link_views.REFUSALS_AUDITED_PER_MINUTE + 5)]
        for guess in guesses:
            self.visitor.get(self.url(guess))
        refused = AuditEvent.objects.filter(action=Action.MEASURE_LINK_REFUSED)
        self.assertEqual(refused.count(), link_views.REFUSALS_AUDITED_PER_MINUTE)
        stored = " ".join(
            f"{e.object_type} {e.object_id} {e.client_code} {e.username}" for e in refused
        )
        self.assertFalse([guess for guess in guesses if guess in stored])


@LINKS_ON
class TokenNotLoggedTests(LinkCase):
    def test_the_token_is_written_as_a_secret_in_the_request_log(self):
        token = self.make_link()
        self.visitor.post(self.url(token), answers())
        with self.assertLogs("django.request", "WARNING") as logs:
            self.visitor.get(self.url(token))  # used: 404, logged "Not Found: <path>"
        text = "\n".join(logs.output)
        self.assertIn("/q/[secret]", text)
        self.assertNotIn(token, text)

    def test_runservers_request_lines_hide_it(self):
        """What runserver writes for each request (django.core.servers.basehttp), through the
        handlers the "django.server" logger really has: the link's token and the calendar
        feed's key never appear."""
        logger = logging.getLogger("django.server")
        handlers = [handler for handler in logger.handlers if handler.name == "django.server"]
        self.assertEqual(len(handlers), 1)
        token, feed = "a" * 43, "b" * 40
        stream = io.StringIO()
        kept = [handler.setStream(stream) for handler in handlers]
        try:
            for path in (f"/q/{token}/", f"/calendar/{feed}.ics"):
                logger.info(
                    '"%s" %s %s',
                    f"GET {path} HTTP/1.1",
                    "200",
                    "512",
                    extra={"server_time": "now", "status_code": 200},
                )
        finally:
            for handler, old in zip(handlers, kept, strict=True):
                handler.setStream(old)
        written = stream.getvalue()
        self.assertIn('"GET /q/[secret]/ HTTP/1.1" 200', written)
        self.assertIn('"GET /calendar/[secret].ics HTTP/1.1" 200', written)
        self.assertNotIn(token, written)
        self.assertNotIn(feed, written)

    def test_the_gunicorn_access_log_hides_it_too(self):
        from config.log_filters import hide_feed_secret

        line = f'127.0.0.1 "GET /q/{"a" * 43}/ HTTP/1.1" 404'
        self.assertEqual(hide_feed_secret(line), '127.0.0.1 "GET /q/[secret]/ HTTP/1.1" 404')
        # Negative control: other paths are left alone.
        self.assertEqual(hide_feed_secret("GET /measures/attention/"), "GET /measures/attention/")
