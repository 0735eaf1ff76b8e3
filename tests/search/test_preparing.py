"""The search page while the therapist's index is still being prepared (after a restart):
the form as it was typed, no results, a polite status, and a script (no inline code) that posts
the same search again by itself, a bounded number of times."""

import datetime
import re
from html import unescape
from unittest import mock

from django.urls import reverse

from search import views
from search.index import IndexPreparing, SearchUnavailable
from search.views import MAX_RETRIES
from tests.base import PersonaTestCase, make_client, make_session, make_therapist
from tests.browser.base import BrowserTestCase
from themes.models import Theme

URL = reverse("search")
PREPARING = "Your notes are being prepared for search."
STOPPED = "has stopped trying again"
STATUS = re.compile(
    r'<div class="alert alert-info" role="status" id="search-preparing"(.*?)</div>', re.S
)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def preparing(retry_after: int = 4):
    """The search service raising as it does while the index is loaded or built elsewhere."""
    return mock.patch("search.views.search", side_effect=IndexPreparing(retry_after=retry_after))


class PreparingPageTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.anxiety = Theme.objects.get(slug="anxiety")
        cls.anxious = make_session(
            cls.alice_client,
            note={"subjective": "Woke anxious about the harbour crossing."},
            date=datetime.date(2026, 2, 3),
            themes=[{"theme": cls.anxiety.pk, "intensity": 2}],
        )

    def setUp(self):
        self.sign_in(self.alice)
        self.typed = {
            "q": 'harbour "crossing" -ferry',
            "client": str(self.alice_client.pk),
            "themes": [str(self.anxiety.pk), str(self.maternal_rejection.pk)],
            "theme_mode": "all",
            "date_from": "2026-01-01",
            "date_to": "2026-03-31",
            "note_format": "soap",
            "risk_level": "none",
            "status": "draft",
            "include_process_notes": "on",
        }

    def html(self, response) -> str:
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def status(self, html: str) -> str:
        [status] = STATUS.findall(html)
        return " ".join(status.split())

    def test_the_page_says_so_and_keeps_everything_that_was_typed(self):
        with preparing(retry_after=4):
            response = self.client.post(URL, self.typed)
        html = self.html(response)
        status = self.status(html)
        self.assertIn(PREPARING, unescape(status))
        self.assertIn("the search will run again by itself", status)
        self.assertIn('data-search-retry-after="4"', status)
        self.assertIn('data-search-form="search-form"', status)
        # The form, filled in as posted: the words, the client, every filter.
        [typed] = re.findall(r'name="q" id="id_q" value="([^"]*)"', html)
        self.assertEqual(unescape(typed), self.typed["q"])
        self.assertIn(f'<input type="hidden" name="client" value="{self.alice_client.pk}">', html)
        themes = re.search(r'<select [^>]*name="themes"[^>]*>(.*?)</select>', html, re.S).group(1)
        self.assertEqual(
            set(re.findall(r'<option value="([^"]*)" selected>', themes)),
            set(self.typed["themes"]),
        )
        for name, value in (
            ("theme_mode", "all"),
            ("note_format", "soap"),
            ("risk_level", "none"),
            ("status", "draft"),
        ):
            [options] = re.findall(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
            self.assertEqual(re.findall(r'<option value="([^"]*)" selected>', options), [value])
        self.assertIn('name="date_from" class="form-control" value="2026-01-01"', html)
        self.assertIn('name="date_to" class="form-control" value="2026-03-31"', html)
        self.assertRegex(html, r'id="id_include_process_notes" checked')
        self.assertIn("<details open>", html)  # the filters used are shown, not folded away
        # No results, no "found", and the normal Search button to press without JavaScript.
        self.assertIsNone(response.context["outcome"])
        self.assertEqual(response.context["rows"], [])
        self.assertNotIn("found.</p>", html)
        self.assertNotIn("search-result", html)
        self.assertIn('<button type="submit" class="btn btn-primary">Search</button>', html)
        self.assertIn("<noscript>Press Search in a few seconds", html)

    def test_the_retry_script_is_a_file_never_inline(self):
        with preparing():
            html = self.html(self.client.post(URL, {"q": "harbour"}))
        scripts = SCRIPT.findall(html)
        self.assertTrue(any("js/search_retry" in attributes for attributes, _ in scripts))
        self.assertEqual([body for _, body in scripts if body.strip()], [])  # CSP: 'self' only
        # Control: a page that is not preparing does not load it.
        html = self.html(self.client.post(URL, {"q": "harbour"}))
        self.assertNotIn("search_retry", html)
        self.assertNotIn("search-preparing", html)

    def test_the_page_number_and_the_try_are_given_to_the_script(self):
        with preparing():
            html = self.html(self.client.post(URL, {"q": "harbour", "page": "3", "retry": "2"}))
        status = self.status(html)
        self.assertIn('data-search-page="3"', status)
        self.assertIn('data-search-retry="3"', status)
        self.assertIn(f"Automatic try 3 of {MAX_RETRIES}", status)
        # A search the therapist started (no "retry" posted) starts counting again.
        with preparing():
            html = self.html(self.client.post(URL, {"q": "harbour"}))
        self.assertIn('data-search-retry="1"', self.status(html))
        self.assertIn('data-search-page="1"', self.status(html))

    def test_after_the_last_automatic_try_it_stops_and_says_so(self):
        with preparing():
            last = self.html(self.client.post(URL, {"q": "harbour", "retry": str(MAX_RETRIES - 1)}))
            stopped = self.html(self.client.post(URL, {"q": "harbour", "retry": str(MAX_RETRIES)}))
            beyond = self.html(self.client.post(URL, {"q": "harbour", "retry": "99999"}))
        self.assertIn("data-search-retry-after", self.status(last))
        for html in (stopped, beyond):
            status = self.status(html)
            self.assertNotIn("data-search-retry-after", status)
            self.assertNotIn("search_retry", html)
            self.assertIn(STOPPED, status)
            self.assertIn(f"after {MAX_RETRIES} tries: press Search", status)
            self.assertIn('name="q" id="id_q" value="harbour"', html)

    def test_a_malformed_try_or_page_is_read_as_the_first(self):
        with preparing():
            html = self.html(self.client.post(URL, {"q": "harbour", "retry": "x", "page": "-4"}))
        self.assertIn('data-search-retry="1"', self.status(html))
        self.assertIn('data-search-page="1"', self.status(html))

    def test_once_the_index_is_ready_the_same_post_shows_the_results(self):
        with preparing():
            waiting = self.client.post(URL, {"q": "harbour", "retry": "1", "page": "1"})
        self.assertIsNone(waiting.context["outcome"])
        # What the script posts next: the same form, plus retry and page.
        response = self.client.post(URL, {"q": "harbour", "retry": "2", "page": "1"})
        html = self.html(response)
        self.assertEqual(
            [r["result"].session_id for r in response.context["rows"]], [self.anxious.pk]
        )
        self.assertIn("1 session found.", html)
        self.assertNotIn("search-preparing", html)
        # The try counter is not a search field: paging never posts it again.
        self.assertNotIn(("retry", "2"), response.context["resubmit"])

    def test_an_invalid_form_is_not_searched_and_not_retried(self):
        with preparing() as service:
            html = self.html(
                self.client.post(
                    URL, {"q": "harbour", "date_from": "2026-03-01", "date_to": "2026-01-01"}
                )
            )
        service.assert_not_called()
        self.assertNotIn("search-preparing", html)
        self.assertIn("The end date is before the start date.", html)


class PreparingInTheBrowserTests(BrowserTestCase):
    """The script, in chromium: the page posts the same search again by itself, then shows the
    results; and it stops after the last automatic try."""

    def setUp(self):
        self.user = make_therapist("wren")
        self.client_record = make_client(self.user, full_name="Ingrid Solberg")
        make_session(self.client_record, note={"subjective": "Talked about the harbour crossing."})

    def search_in(self, page) -> None:
        page.goto("/search/")
        page.fill("#id_q", "harbour")
        page.click("#search-form summary")
        page.select_option("#id_note_format", "soap")
        page.click("#search-form button[type=submit]")

    def test_the_page_searches_again_by_itself_then_shows_the_results(self):
        from playwright.sync_api import expect

        real, calls = views.search, []

        def service(**kwargs):
            calls.append(kwargs)
            if len(calls) <= 2:
                raise IndexPreparing(retry_after=1)
            return real(**kwargs)

        with mock.patch("search.views.search", side_effect=service):
            page = self.new_page(user=self.user)
            self.search_in(page)
            expect(page.locator("#search-preparing")).to_contain_text("being prepared")
            expect(page.locator(".search-result")).to_have_count(1)
        expect(page.locator(".search-result")).to_contain_text("Ingrid Solberg")
        self.assertEqual(len(calls), 3)
        # Each try posted the same search: the words, the filter, the page.
        self.assertEqual(
            {(c["query"], c["filters"].note_format, str(c["page"])) for c in calls},
            {("harbour", "soap", "1")},
        )
        self.assertEqual(page.input_value("#id_q"), "harbour")
        self.assertEqual(page.input_value("#id_note_format"), "soap")
        self.assert_clean(page)  # no CSP violation: the script is a file

    def test_it_stops_after_the_last_automatic_try_and_says_so(self):
        from playwright.sync_api import expect

        calls = []

        def service(**kwargs):
            calls.append(kwargs)
            raise IndexPreparing(retry_after=1)

        with (
            mock.patch("search.views.search", side_effect=service),
            mock.patch("search.views.MAX_RETRIES", 2),
        ):
            page = self.new_page(user=self.user)
            self.search_in(page)
            expect(page.locator("#search-preparing")).to_contain_text("has stopped trying again")
            page.wait_for_timeout(2_500)  # more than one more retry_after: nothing is posted
        self.assertEqual(len(calls), 3)  # the search, then two automatic tries
        self.assertEqual(page.input_value("#id_q"), "harbour")
        self.assert_clean(page)


class UnavailableTests(PreparingPageTests):
    def test_a_failed_preparation_is_said_plainly_and_keeps_what_was_typed(self):
        with mock.patch("search.views.search", side_effect=SearchUnavailable()):
            response = self.client.post(URL, self.typed)
        html = self.html(response)
        self.assertIn(unescape(views.UNAVAILABLE), unescape(html))
        self.assertIn('role="alert"', html)
        [typed] = re.findall(r'name="q" id="id_q" value="([^"]*)"', html)
        self.assertEqual(unescape(typed), self.typed["q"])
        self.assertNotIn("data-search-retry-after", html)  # no automatic try
        self.assertNotIn("search-result", html)
