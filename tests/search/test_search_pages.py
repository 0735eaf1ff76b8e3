"""The search page as a therapist uses it: matching, ranking, filters, safety, isolation and
consistency with writes."""

import datetime
import re
import sys
from html import unescape
from unittest import mock

from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.debug import ExceptionReporter

from accounts.testing import sign_in
from search.index import registry
from search.query import STOP_WORDS_MESSAGE, TRUNCATED_MESSAGE
from search.services import NO_TERMS_MESSAGE
from search.views import search_notes
from sessions.models import TherapySession
from sessions.services import add_addendum, erase_client, save_draft_session, save_process_note
from tests.base import ALICE_CANARY_NOTE, PersonaTestCase, make_client, make_session, make_therapist
from themes.models import Theme

URL = reverse("search")
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
ADDRESS = re.compile(r'\b(?:href|action|src|formaction)="([^"]*)"')
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.I)
# Not written literally near the code that posts them: the HTML report quotes source lines.
REPORT_CANARY = "kestrel-Ж4-felt-dismissed"
REPORT_DATE = datetime.date(2019, 4, 7).isoformat()
HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


def note(text: str) -> dict:
    return {"subjective": text}


def search_forms(html: str) -> list[str]:
    """Every form on the page that goes to the search page."""
    return [form for form in FORM.findall(html) if f'action="{URL}"' in form]


def addresses(html: str) -> list[str]:
    """Every URL the page links to, loads or submits to."""
    return [unescape(url) for url in ADDRESS.findall(html)]


def selected(html: str, name: str) -> set[str]:
    """The values of the selected options of the select element named ``name``."""
    [options] = re.findall(rf'<select [^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'<option value="([^"]*)" selected>', options))


def paging_form(response) -> list[tuple[str, str]]:
    """What pressing the last paging button ("Next", or "Previous" on the last page) posts."""
    html = response.content.decode()
    [form] = [form for form in search_forms(html) if "Result pages" in form]
    fields = [(name, unescape(value)) for name, value in HIDDEN.findall(form)]
    fields = [(name, value) for name, value in fields if name != "csrfmiddlewaretoken"]
    pages = re.findall(r'<button type="submit" class="page-link" name="page" value="(\d+)"', form)
    return [*fields, ("page", pages[-1])]


class SearchTestCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def found(self, **params) -> list[TherapySession]:
        """The sessions on the result page, in order."""
        response = self.client.post(URL, params)
        self.assertEqual(response.status_code, 200)
        return [row["result"].session_id for row in response.context["rows"]]

    def session(self, text: str, **fields) -> TherapySession:
        fields.setdefault("client", self.alice_client)
        client = fields.pop("client")
        return make_session(client, note=note(text), **fields)


class MatchingTests(SearchTestCase):
    def test_all_words_must_match(self):
        both = self.session("Spoke of grief and loss.")
        self.session("Spoke of grief only.")
        self.assertEqual(self.found(q="grief loss"), [both.pk])

    def test_accents_and_case_do_not_matter(self):
        cafe = self.session("Met her sister at the Café Ångström.")
        self.assertEqual(self.found(q="cafe"), [cafe.pk])
        self.assertEqual(self.found(q="CAFÉ angstrom"), [cafe.pk])

    def test_inflections_match(self):
        sessions = {
            self.session("She panicked on the train.").pk,
            self.session("He panics at night.").pk,
            self.session("A panic attack at work.").pk,
        }
        for word in ("panic", "panicked", "panics", "panicking"):
            with self.subTest(word=word):
                self.assertEqual(set(self.found(q=word)), sessions)

    def test_phrase_word_order_matters(self):
        visited = self.session("Her sister visited on Sunday.")
        self.session("Visited, her sister said, by nobody.")
        self.assertEqual(self.found(q='"sister visited"'), [visited.pk])

    def test_prefix(self):
        anxious = self.session("Anxious before exams.")
        self.session("Calm week.")
        self.assertEqual(self.found(q="anx*"), [anxious.pk])

    def test_exclusion(self):
        work = self.session("Stress at work.")
        self.session("Stress at home, work too.")
        self.assertEqual(self.found(q="stress -home"), [work.pk])

    def test_only_exclusions_match_everything_else(self):
        calm = self.session("A calm week.")
        found = self.found(q="-zebrafinch")
        self.assertIn(calm.pk, found)
        self.assertNotIn(self.alice_session.pk, found)

    def test_mood_plan_interventions_risk_notes_and_addenda_are_searched(self):
        session = make_session(
            self.alice_client,
            mood_affect="Euthymic",
            plan="Journaling homework",
            interventions="Grounding exercise",
            risk_notes="Passive ideation denied",
        )
        for word in ("euthymic", "journaling", "grounding", "ideation"):
            self.assertEqual(self.found(q=word), [session.pk])


class RankingTests(SearchTestCase):
    def test_more_mentions_rank_first(self):
        once = self.session("Insomnia mentioned, among other things at length.")
        thrice = self.session(
            "Insomnia, insomnia and again insomnia.", date=datetime.date(2020, 1, 1)
        )
        self.assertEqual(self.found(q="insomnia"), [thrice.pk, once.pk])

    def test_ties_are_newest_first(self):
        old = self.session("Insomnia.", date=datetime.date(2025, 1, 1))
        new = self.session("Insomnia.", date=datetime.date(2026, 1, 1))
        self.assertEqual(self.found(q="insomnia"), [new.pk, old.pk])

    def test_results_are_paginated(self):
        for day in range(1, 26):
            self.session("Insomnia.", date=datetime.date(2025, 1, day))
        first = self.client.post(URL, {"q": "insomnia"})
        self.assertEqual(len(first.context["rows"]), 20)
        self.assertContains(first, "25 sessions found")
        self.assertContains(first, "Page 1 of 2")
        # "Next" posts the same search again, with the page number.
        self.assertEqual(paging_form(first), [("q", "insomnia"), ("page", "2")])
        second = self.client.post(URL, dict(paging_form(first)))
        self.assertEqual(len(second.context["rows"]), 5)
        self.assertContains(second, "Page 2 of 2")
        self.assertEqual(paging_form(second), [("q", "insomnia"), ("page", "1")])
        self.assertContains(second, 'value="insomnia"')
        self.assertEqual(self.client.post(URL, {"q": "insomnia", "page": "x'"}).status_code, 200)


class ResultPageTests(SearchTestCase):
    def test_result_shows_client_date_themes_and_highlighted_snippet(self):
        response = self.client.post(URL, {"q": "zebrafinch*"})
        self.assertContains(response, self.alice_client.full_name)
        self.assertContains(response, self.alice_client.code)
        self.assertContains(response, "2 Mar 2026")
        self.assertContains(response, self.maternal_rejection.name)
        self.assertContains(response, "<mark>zebrafinch</mark>")
        self.assertContains(response, reverse("session_detail", args=[self.alice_session.pk]))

    def test_markup_in_a_note_is_escaped_in_the_snippet(self):
        self.session('Wrote <script>alert("x")</script> in her diary.')
        response = self.client.post(URL, {"q": "diary"})
        self.assertNotContains(response, "<script>alert")
        self.assertContains(response, "&lt;script&gt;alert")
        self.assertContains(response, "<mark>diary</mark>")

    def test_empty_and_stop_word_queries_get_a_helpful_message(self):
        self.assertContains(self.client.post(URL, {"q": ""}), NO_TERMS_MESSAGE)
        self.assertContains(self.client.post(URL, {}), NO_TERMS_MESSAGE)
        empty_form = self.client.get(URL)
        self.assertContains(empty_form, "Search notes")
        self.assertNotContains(empty_form, NO_TERMS_MESSAGE)
        response = self.client.post(URL, {"q": "the and of"})
        self.assertContains(response, "Type at least one word that is not a common word")
        self.assertEqual(response.context["rows"], [])
        self.assertIn(STOP_WORDS_MESSAGE, response.context["outcome"].messages)

    def test_bad_input_never_fails(self):
        for q in [
            '"unbalanced',
            "*",
            "-",
            "NEAR(a b)",
            "body:x",
            "'; DROP TABLE meta; --",
            "<img src=x onerror=alert(1)>",
            "\x00\x1b\u202e",
            "x" * 10_000,
        ]:
            with self.subTest(q=q[:20]):
                self.assertEqual(self.client.post(URL, {"q": q}).status_code, 200)
        self.assertContains(self.client.post(URL, {"q": "zebrafinch " * 1000}), TRUNCATED_MESSAGE)
        for params in [
            {"q": "x", "themes": "999999"},
            {"q": "x", "themes": "abc"},
            {"q": "x", "client": "not-a-uuid"},
            {"q": "x", "date_from": "2026-13-45"},
            {"q": "x", "date_from": "2026-02-01", "date_to": "2026-01-01"},
            {"q": "x", "note_format": "<b>"},
            {"q": "x", "risk_level": "extreme"},
            {"q": "x", "status": "deleted"},
        ]:
            with self.subTest(params=params):
                response = self.client.post(URL, params)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["problems"])
                self.assertEqual(response.context["rows"], [])

    def test_the_navbar_and_client_page_have_search_boxes(self):
        page = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertContains(page, 'aria-label="Search notes"')
        self.assertContains(page, f'name="client" value="{self.alice_client.pk}"')
        # Both boxes post (with a CSRF token) to the search page; none uses GET.
        forms = search_forms(page.content.decode())
        self.assertEqual(len(forms), 2)
        for form in forms:
            self.assertRegex(form, r'method="post"')
            self.assertIn('name="csrfmiddlewaretoken"', form)
            self.assertIn('name="q"', form)


class NoTermsInUrlsTests(SearchTestCase):
    """Search terms and filters travel only in POST bodies: never in a URL (issue 7)."""

    def test_a_get_with_a_query_string_runs_no_search_and_drops_it(self):
        response = self.client.get(URL, {"q": "zebrafinch", "page": 2, "status": "draft"})
        self.assertRedirects(response, URL, fetch_redirect_response=False)
        self.assertEqual(response["Location"], URL)
        self.assertEqual(registry.therapist_ids(), [])  # no index built: nothing searched
        page = self.client.get(URL, {"q": "zebrafinch"}, follow=True)
        self.assertEqual(page.redirect_chain, [(URL, 302)])
        self.assertIsNone(page.context["outcome"])
        self.assertNotContains(page, "zebrafinch")
        self.assertNotContains(page, "session found")
        self.assertEqual(registry.therapist_ids(), [])

    def test_a_get_with_a_client_id_alone_is_sent_to_the_bare_page_too(self):
        response = self.client.get(URL, {"client": self.alice_client.pk})
        self.assertEqual(response["Location"], URL)

    def test_the_result_page_links_carry_no_query_strings(self):
        theme = self.maternal_rejection
        for day in range(1, 26):
            make_session(
                self.alice_client,
                note=note("Spoke of the zebrafinch again."),
                date=datetime.date(2025, 1, day),
                themes=[{"theme": theme.pk, "intensity": 1}],
            )
        posted = {"q": "zebrafinch", "themes": [theme.pk], "status": "draft"}
        for page in (1, 2):
            with self.subTest(page=page):
                response = self.client.post(URL, {**posted, "page": page})
                self.assertContains(response, "26 sessions found")
                html = response.content.decode()
                urls = addresses(html)
                self.assertTrue(any("/sessions/" in url for url in urls))
                for url in urls:
                    self.assertNotIn("?", url)
                    self.assertNotIn("zebrafinch", url.lower())
                for form in search_forms(html):
                    self.assertIn('method="post"', form)
                    self.assertNotIn('method="get"', form)

    def test_the_form_keeps_what_was_typed(self):
        anxiety = Theme.objects.get(slug="anxiety")
        response = self.client.post(
            URL,
            {
                "q": '"felt dismissed" -mother <b>',
                "themes": [anxiety.pk, self.maternal_rejection.pk],
                "theme_mode": "all",
                "date_from": "2026-01-01",
                "date_to": "2026-03-31",
                "note_format": "soap",
                "risk_level": "low",
                "status": "draft",
                "include_process_notes": "on",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'value="&quot;felt dismissed&quot; -mother &lt;b&gt;"')
        html = response.content.decode()
        for name, values in [
            ("themes", {str(anxiety.pk), str(self.maternal_rejection.pk)}),
            ("theme_mode", {"all"}),
            ("note_format", {"soap"}),
            ("risk_level", {"low"}),
            ("status", {"draft"}),
        ]:
            with self.subTest(name=name):
                self.assertEqual(selected(html, name), values)
        self.assertContains(response, 'name="date_from" class="form-control" value="2026-01-01"')
        self.assertContains(response, 'name="date_to" class="form-control" value="2026-03-31"')
        self.assertRegex(response.content.decode(), r'id="id_include_process_notes" checked>')
        self.assertContains(response, "<details open>")

    def test_bad_input_gets_clear_messages_and_keeps_the_query(self):
        response = self.client.post(
            URL, {"q": "insomnia", "date_from": "2026-02-01", "date_to": "2026-01-01"}
        )
        self.assertContains(response, "To: The end date is before the start date.")
        self.assertContains(response, 'value="insomnia"')
        self.assertNotContains(response, "session found")
        response = self.client.post(URL, {"q": "insomnia", "date_from": "2026-13-45"})
        self.assertContains(response, "From: Enter a valid date.")
        self.sign_in(self.bob)
        response = self.client.post(URL, {"q": "insomnia", "client": self.alice_client.pk})
        self.assertContains(response, "That client is not one of yours.")

    def test_the_search_post_is_csrf_protected(self):
        browser = Client(enforce_csrf_checks=True)
        sign_in(browser, self.alice)
        refused = browser.post(URL, {"q": "zebrafinch"})
        self.assertEqual(refused.status_code, 403)
        self.assertNotIn(b"zebrafinch", refused.content)
        self.assertEqual(registry.therapist_ids(), [])
        form = browser.get(URL)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
        accepted = browser.post(URL, {"q": "zebrafinch", "csrfmiddlewaretoken": token[1]})
        self.assertEqual(accepted.status_code, 200)
        self.assertContains(accepted, "1 session found")

    def test_searching_writes_nothing_but_the_index_cache(self):
        # The first search builds the index and keeps it sealed (search_searchsnapshot, under
        # a build lease); the second reads it, the third is a page 2: they write nothing. Only
        # the sign-in layer may note activity in the (server-side) session.
        # The journal's counter is locked (a no-op UPDATE) while the snapshot is stored.
        cache = ("search_searchsnapshot", "search_searchbuildlease", "search_indexgeneration")
        posts = ({"q": "zebrafinch"}, {"q": "zebrafinch"}, {"q": "-nothing", "page": 2})
        for number, posted in enumerate(posts):
            with self.subTest(posted=posted), CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.post(URL, posted).status_code, 200)
            writes = [
                query["sql"]
                for query in queries.captured_queries
                if WRITE.match(query["sql"]) and "django_session" not in query["sql"]
            ]
            if number == 0:
                self.assertTrue(writes)
                self.assertEqual([sql for sql in writes if not any(t in sql for t in cache)], [])
            else:
                self.assertEqual(writes, [])

    def failure_report(self) -> ExceptionReporter:
        """The error report (as mail_admins would send it) of a search failing inside the
        search service, posted with REPORT_CANARY as the words and a few filters."""
        request = RequestFactory().post(
            URL, {"q": REPORT_CANARY, "date_from": REPORT_DATE, "status": "draft"}
        )
        request.user = self.alice
        request._dont_enforce_csrf_checks = True
        with mock.patch("search.services.parse", side_effect=RuntimeError("failure")):
            try:
                search_notes(request)
            except RuntimeError:
                return ExceptionReporter(request, *sys.exc_info())
        raise AssertionError("the search did not fail")

    def test_error_reports_hide_the_terms_and_filters(self):
        reporter = self.failure_report()
        # Both forms of the report (text, and the HTML one that lists every frame's local
        # variables): the traceback is there, the posted values and the terms are not.
        for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
            self.assertIn("search_notes", report)
            self.assertIn("********************", report)
            self.assertNotIn(REPORT_CANARY, report)
            self.assertNotIn(REPORT_DATE, report)


class FilterTests(SearchTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.anxiety = Theme.objects.get(slug="anxiety")
        cls.other_client = make_client(cls.alice, full_name="Second Client")
        cls.a = make_session(
            cls.alice_client,
            note=note("Insomnia, slept badly."),
            date=datetime.date(2026, 1, 10),
            themes=[
                {"theme": cls.maternal_rejection.pk, "intensity": 2},
                {"theme": cls.anxiety.pk, "intensity": 1},
            ],
            risk_level="moderate",
        )
        cls.b = make_session(
            cls.other_client,
            note={"data": "Insomnia and worry."},
            note_format="dap",
            date=datetime.date(2026, 2, 10),
            themes=[{"theme": cls.anxiety.pk, "intensity": 3}],
        )
        cls.c = make_session(
            cls.other_client, note=note("Insomnia, slept little."), date=datetime.date(2026, 3, 10)
        )
        cls.c.apply_signature(cls.alice, datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC))
        TherapySession.objects.filter(pk=cls.c.pk).update(
            status=cls.c.status,
            signed_by=cls.alice,
            signed_at=cls.c.signed_at,
            content_hash=cls.c.content_hash,
        )

    def test_each_filter(self):
        q = {"q": "insomnia"}
        cases = [
            ({"client": self.other_client.pk}, [self.c.pk, self.b.pk]),
            ({"themes": [self.anxiety.pk]}, [self.b.pk, self.a.pk]),
            (
                {"themes": [self.anxiety.pk, self.maternal_rejection.pk], "theme_mode": "all"},
                [self.a.pk],
            ),
            (
                {"themes": [self.anxiety.pk, self.maternal_rejection.pk], "theme_mode": "any"},
                [self.b.pk, self.a.pk],
            ),
            ({"date_from": "2026-02-01"}, [self.c.pk, self.b.pk]),
            ({"date_to": "2026-02-10"}, [self.b.pk, self.a.pk]),
            ({"note_format": "dap"}, [self.b.pk]),
            ({"risk_level": "moderate"}, [self.a.pk]),
            ({"status": "signed"}, [self.c.pk]),
            ({"status": "draft"}, [self.b.pk, self.a.pk]),
        ]
        for params, expected in cases:
            with self.subTest(params=params):
                self.assertEqual(self.found(**q, **params), expected)

    def test_filters_combine(self):
        self.assertEqual(
            self.found(
                q="insomnia",
                client=self.other_client.pk,
                themes=[self.anxiety.pk],
                date_from="2026-01-01",
                status="draft",
            ),
            [self.b.pk],
        )
        self.assertEqual(self.found(q="worry", status="signed"), [])

    def test_filters_without_words_list_by_date(self):
        self.assertEqual(self.found(client=self.other_client.pk), [self.c.pk, self.b.pk])

    def test_the_client_page_search_is_limited_to_that_client(self):
        response = self.client.post(URL, {"q": "insomnia", "client": self.alice_client.pk})
        self.assertEqual([r["result"].session_id for r in response.context["rows"]], [self.a.pk])
        self.assertContains(response, f'name="client" value="{self.alice_client.pk}"')


class IsolationTests(SearchTestCase):
    def test_bob_does_not_find_alices_canary(self):
        self.assertTrue(self.found(q="zebrafinch"))
        self.sign_in(self.bob)
        for q in ("zebrafinch", ALICE_CANARY_NOTE, "-nothing", "каракатица"):
            self.assertEqual(self.found(q=q), [])
        response = self.client.post(URL, {"q": "zebrafinch"})
        self.assertNotContains(response, "zebrafinch-")
        self.assertNotContains(response, self.alice_client.full_name)

    def test_bob_with_alices_client_id_gets_a_message_and_nothing(self):
        self.sign_in(self.bob)
        response = self.client.post(URL, {"q": "zebrafinch", "client": self.alice_client.pk})
        self.assertContains(response, "That client is not one of yours.")
        self.assertEqual(response.context["rows"], [])
        self.assertNotContains(response, self.alice_client.full_name)

    def test_bob_cannot_filter_by_alices_custom_theme(self):
        theme = Theme.objects.create(name="Alice's private theme", owner=self.alice)
        self.sign_in(self.bob)
        response = self.client.post(URL, {"q": "zebrafinch", "themes": theme.pk})
        self.assertTrue(response.context["problems"])
        self.assertNotContains(response, "Alice&#x27;s private theme")

    def test_signed_out_visitors_are_sent_to_log_in(self):
        self.client.logout()
        self.assertEqual(self.client.post(URL, {"q": "zebrafinch"}).status_code, 302)


class ProcessNoteTests(SearchTestCase):
    def test_process_notes_are_searched_only_when_asked(self):
        save_process_note(session=self.alice_session, text="Countertransference: irritation.")
        self.assertEqual(self.found(q="countertransference"), [])
        response = self.client.post(
            URL, {"q": "countertransference", "include_process_notes": "on"}
        )
        self.assertEqual(
            [r["result"].session_id for r in response.context["rows"]], [self.alice_session.pk]
        )
        self.assertContains(response, "Matched in the process note")


class ConsistencyTests(SearchTestCase):
    def test_create_edit_delete_are_seen_by_the_next_query(self):
        self.assertEqual(self.found(q="zebrafinch"), [self.alice_session.pk])
        new = self.session("Talked about the hedgehog.")
        self.assertEqual(self.found(q="hedgehog"), [new.pk])

        new.note = note("Talked about the porcupine.")
        self.assertEqual(
            save_draft_session(session=new, expected_version=new.version).value, "saved"
        )
        self.assertEqual(self.found(q="hedgehog"), [])
        self.assertEqual(self.found(q="porcupine"), [new.pk])

        # No page deletes a single note; one deleted any other way is gone from search too.
        new.delete()
        self.assertEqual(self.found(q="porcupine"), [])

    def test_addenda_are_seen_by_the_next_query(self):
        session = self.session("Signed note.")
        session.apply_signature(self.alice, datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC))
        TherapySession.objects.filter(pk=session.pk).update(
            status=session.status,
            signed_by=self.alice,
            signed_at=session.signed_at,
            content_hash=session.content_hash,
        )
        self.assertEqual(self.found(q="wombat"), [])
        add_addendum(session=session, author=self.alice, text="Later: mentioned a wombat.")
        self.assertEqual(self.found(q="wombat"), [session.pk])

    def test_client_erasure_removes_their_sessions(self):
        self.assertEqual(self.found(q="zebrafinch"), [self.alice_session.pk])
        erase_client(client=self.alice_client)
        self.assertEqual(self.found(q="zebrafinch"), [])

    def test_a_query_with_no_change_costs_one_query_for_the_index(self):
        self.found(q="zebrafinch")
        # Session and user (2), the sign-in layer: 2FA device and account (2), the journal
        # from the index's entry (1), themes list for the form (1, its names reused for the
        # result badges), the fingerprint of the therapist's clients (1: their codes and names
        # are kept by search.forms.choices once read, so the page's clients are not loaded
        # again), and the results checked against the ledger before they are shown (5: the
        # sessions and their newest entries, their addenda and process notes as the rows list
        # them (one query) and as the ledger lists them (one), the process notes), and the
        # clients of the page's sessions by owner (1).
        with self.assertNumQueries(13):
            self.found(q="zebrafinch")

    def test_least_recently_used_index_is_evicted_beyond_the_memory_budget(self):
        carol = make_therapist("carol")
        self.found(q="zebrafinch")
        for user in (self.bob, carol):
            self.sign_in(user)
            self.found(q="anything")
        # Within the budget, every index stays, least recently used first.
        self.assertEqual(registry.therapist_ids(), [self.alice.pk, self.bob.pk, carol.pk])
        self.assertGreater(registry.memory_bytes(), 0)
        with override_settings(SEARCH_INDEX_MEMORY_MB=0):
            # Over it, the least recently used go; the one just used always stays.
            self.sign_in(self.alice)
            self.assertEqual(self.found(q="zebrafinch"), [self.alice_session.pk])
            self.assertEqual(registry.therapist_ids(), [self.alice.pk])
            self.sign_in(self.bob)
            self.found(q="anything")
            self.assertEqual(registry.therapist_ids(), [self.bob.pk])
