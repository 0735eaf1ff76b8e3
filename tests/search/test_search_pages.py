"""The search page as a therapist uses it: matching, ranking, filters, safety, isolation and
consistency with writes."""

import datetime

from django.test import override_settings
from django.urls import reverse

from clients.services import erase_client
from search.index import registry
from search.query import STOP_WORDS_MESSAGE, TRUNCATED_MESSAGE
from search.services import NO_TERMS_MESSAGE
from sessions.models import TherapySession
from sessions.services import add_addendum, save_draft_session, save_process_note
from tests.base import ALICE_CANARY_NOTE, PersonaTestCase, make_client, make_session, make_therapist
from themes.models import Theme

URL = reverse("search")


def note(text: str) -> dict:
    return {"subjective": text}


class SearchTestCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def found(self, **params) -> list[TherapySession]:
        """The sessions on the result page, in order."""
        response = self.client.get(URL, params)
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
        first = self.client.get(URL, {"q": "insomnia"})
        self.assertEqual(len(first.context["rows"]), 20)
        self.assertContains(first, "25 sessions found")
        self.assertContains(first, "?q=insomnia&amp;page=2")
        second = self.client.get(URL, {"q": "insomnia", "page": 2})
        self.assertEqual(len(second.context["rows"]), 5)
        self.assertEqual(self.client.get(URL, {"q": "insomnia", "page": "x'"}).status_code, 200)


class ResultPageTests(SearchTestCase):
    def test_result_shows_client_date_themes_and_highlighted_snippet(self):
        response = self.client.get(URL, {"q": "zebrafinch*"})
        self.assertContains(response, self.alice_client.full_name)
        self.assertContains(response, self.alice_client.code)
        self.assertContains(response, "2 Mar 2026")
        self.assertContains(response, self.maternal_rejection.name)
        self.assertContains(response, "<mark>zebrafinch</mark>")
        self.assertContains(response, reverse("session_detail", args=[self.alice_session.pk]))

    def test_markup_in_a_note_is_escaped_in_the_snippet(self):
        self.session('Wrote <script>alert("x")</script> in her diary.')
        response = self.client.get(URL, {"q": "diary"})
        self.assertNotContains(response, "<script>alert")
        self.assertContains(response, "&lt;script&gt;alert")
        self.assertContains(response, "<mark>diary</mark>")

    def test_empty_and_stop_word_queries_get_a_helpful_message(self):
        self.assertContains(self.client.get(URL, {"q": ""}), NO_TERMS_MESSAGE)
        self.assertContains(self.client.get(URL), "Search notes")
        response = self.client.get(URL, {"q": "the and of"})
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
                self.assertEqual(self.client.get(URL, {"q": q}).status_code, 200)
        self.assertContains(self.client.get(URL, {"q": "zebrafinch " * 1000}), TRUNCATED_MESSAGE)
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
                response = self.client.get(URL, params)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["problems"])
                self.assertEqual(response.context["rows"], [])

    def test_the_navbar_and_client_page_have_search_boxes(self):
        page = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertContains(page, 'aria-label="Search notes"')
        self.assertContains(page, f'name="client" value="{self.alice_client.pk}"')


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
        response = self.client.get(URL, {"q": "insomnia", "client": self.alice_client.pk})
        self.assertEqual([r["result"].session_id for r in response.context["rows"]], [self.a.pk])
        self.assertContains(response, f'name="client" value="{self.alice_client.pk}"')


class IsolationTests(SearchTestCase):
    def test_bob_does_not_find_alices_canary(self):
        self.assertTrue(self.found(q="zebrafinch"))
        self.sign_in(self.bob)
        for q in ("zebrafinch", ALICE_CANARY_NOTE, "-nothing", "каракатица"):
            self.assertEqual(self.found(q=q), [])
        response = self.client.get(URL, {"q": "zebrafinch"})
        self.assertNotContains(response, "zebrafinch-")
        self.assertNotContains(response, self.alice_client.full_name)

    def test_bob_with_alices_client_id_gets_a_message_and_nothing(self):
        self.sign_in(self.bob)
        response = self.client.get(URL, {"q": "zebrafinch", "client": self.alice_client.pk})
        self.assertContains(response, "That client is not one of yours.")
        self.assertEqual(response.context["rows"], [])
        self.assertNotContains(response, self.alice_client.full_name)

    def test_bob_cannot_filter_by_alices_custom_theme(self):
        theme = Theme.objects.create(name="Alice's private theme", owner=self.alice)
        self.sign_in(self.bob)
        response = self.client.get(URL, {"q": "zebrafinch", "themes": theme.pk})
        self.assertTrue(response.context["problems"])
        self.assertNotContains(response, "Alice&#x27;s private theme")

    def test_signed_out_visitors_are_sent_to_log_in(self):
        self.client.logout()
        self.assertEqual(self.client.get(URL, {"q": "zebrafinch"}).status_code, 302)


class ProcessNoteTests(SearchTestCase):
    def test_process_notes_are_searched_only_when_asked(self):
        save_process_note(session=self.alice_session, text="Countertransference: irritation.")
        self.assertEqual(self.found(q="countertransference"), [])
        response = self.client.get(URL, {"q": "countertransference", "include_process_notes": "on"})
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
        # Session and user (2), the sign-in layer: 2FA device and account (2), index
        # generation (1), themes list for the form (1, its names reused for the result
        # badges), client names of the page (1).
        with self.assertNumQueries(7):
            self.found(q="zebrafinch")

    @override_settings(SEARCH_INDEX_MAX_THERAPISTS=2)
    def test_least_recently_used_index_is_evicted(self):
        carol = make_therapist("carol")
        self.found(q="zebrafinch")
        for user in (self.bob, carol):
            self.sign_in(user)
            self.found(q="anything")
        self.assertEqual(registry.therapist_ids(), [self.bob.pk, carol.pk])
        self.sign_in(self.alice)
        self.assertEqual(self.found(q="zebrafinch"), [self.alice_session.pk])
        self.assertEqual(registry.therapist_ids(), [carol.pk, self.alice.pk])
