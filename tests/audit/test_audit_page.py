"""The audit page: the signed-in therapist's own entries, filterable, paginated, never a 500."""

import datetime
from unittest import mock

from django.test import TestCase
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accounts.testing import sign_in
from audit.models import Action, AuditEvent
from audit.services import log_event
from audit.views import PAGE_SIZE
from tests.audit.helpers import request_from
from tests.base import make_client, make_therapist

URL = reverse("audit_log")
UTC = datetime.UTC


def record_at(when: datetime.datetime, **kwargs) -> AuditEvent:
    with mock.patch("audit.services.timezone.now", return_value=when):
        return log_event(**kwargs)


class AuditPageTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.first = make_client(cls.alice)  # C-0001
        cls.second = make_client(cls.alice)  # C-0002
        cls.bobs = make_client(cls.bob)  # bob's own C-0001
        alice = request_from(cls.alice, ip="192.0.2.1")
        record_at(
            datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
            action=Action.VIEW_CLIENT,
            request=alice,
            obj=cls.first,
        )
        record_at(
            datetime.datetime(2026, 3, 2, 23, 30, tzinfo=UTC),  # still 2 March in London (GMT)
            action=Action.EDIT_CLIENT,
            request=alice,
            obj=cls.second,
        )
        record_at(
            datetime.datetime(2026, 3, 31, 23, 30, tzinfo=UTC),  # 1 April 00:30 in London (BST)
            action=Action.VIEW_CLIENT,
            request=alice,
            obj=cls.second,
        )
        record_at(
            datetime.datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            action=Action.VIEW_CLIENT,
            request=request_from(cls.bob, ip="203.0.113.66"),
            obj=cls.bobs,
        )

    def entries(self, response) -> list[AuditEvent]:
        self.assertEqual(response.status_code, 200)
        return list(response.context["page"].object_list)

    def get(self, user=None, **params):
        sign_in(self.client, user or self.alice)
        return self.client.get(URL, params)


class ScopeTests(AuditPageTestCase):
    def test_the_page_lists_the_users_own_entries_newest_first(self):
        entries = self.entries(self.get())

        self.assertTrue(entries)
        self.assertEqual({entry.user_id for entry in entries}, {self.alice.pk})
        times = [entry.at for entry in entries]
        self.assertEqual(times, sorted(times, reverse=True))
        # force_login's own password entry is there too, at the top.
        self.assertEqual(entries[0].action, Action.PASSWORD_ACCEPTED)

    def test_bob_sees_none_of_alices_entries(self):
        response = self.get(self.bob)

        entries = self.entries(response)
        self.assertEqual({entry.user_id for entry in entries}, {self.bob.pk})
        self.assertContains(response, "203.0.113.66")
        self.assertNotContains(response, "192.0.2.1")
        self.assertNotContains(response, "<code>C-0002</code>", html=True)

    def test_bob_filtering_by_alices_client_code_finds_only_his_own(self):
        entries = self.entries(self.get(self.bob, client="C-0002"))

        self.assertEqual(entries, [])

    def test_the_page_shows_action_label_type_code_ip_and_both_times(self):
        response = self.get(action="edit_client")

        self.assertContains(response, "Edited client")
        self.assertContains(response, "<code>C-0002</code>", html=True)
        self.assertContains(response, "192.0.2.1")
        self.assertContains(response, 'datetime="2026-03-02T23:30:00+00:00"')
        self.assertContains(response, 'title="2026-03-02 23:30:00 UTC"')

    def test_local_time_is_shown_in_the_practice_time_zone(self):
        response = self.get(action="view_client", client="C-0002")

        # 23:30 UTC on 31 March is 00:30 on 1 April in London (summer time).
        self.assertContains(response, "1 Apr 2026, 00:30:00")

    def test_signed_out_visitors_are_sent_to_sign_in(self):
        response = self.client.get(URL)

        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_the_nav_links_to_the_audit_page_and_marks_it_current(self):
        response = self.get()

        self.assertContains(
            response,
            f'<a class="nav-link active" href="{URL}" aria-current="page">Audit log</a>',
            html=True,
        )

    def test_viewing_the_page_writes_no_entry(self):
        sign_in(self.client, self.alice)
        before = AuditEvent.objects.count()

        self.client.get(URL)

        self.assertEqual(AuditEvent.objects.count(), before)


class FilterTests(AuditPageTestCase):
    def test_client_code_filter_accepts_short_forms(self):
        for typed in ("C-0002", "c-2", "2", "C2", " c-0002 "):
            with self.subTest(typed=typed):
                entries = self.entries(self.get(client=typed))
                self.assertEqual([e.action for e in entries], ["view_client", "edit_client"])
                self.assertEqual({e.client_code for e in entries}, {"C-0002"})

    def test_action_filter(self):
        entries = self.entries(self.get(action="view_client"))

        self.assertEqual([e.client_code for e in entries], ["C-0002", "C-0001"])

    def test_dates_are_whole_local_days_inclusive(self):
        entries = self.entries(self.get(date_from="2026-03-02", date_to="2026-03-31"))

        # 2 March 23:30 UTC is in; 31 March 23:30 UTC is 1 April locally, so out.
        self.assertEqual([e.action for e in entries], ["edit_client"])

    def test_open_ended_date_ranges(self):
        self.assertEqual(
            [e.client_code for e in self.entries(self.get(date_to="2026-03-01"))], ["C-0001"]
        )
        after = self.entries(self.get(date_from="2026-04-01", action="view_client"))
        self.assertEqual([e.client_code for e in after], ["C-0002"])

    def test_filters_combine(self):
        entries = self.entries(
            self.get(client="1", action="view_client", date_from="2026-03-01", date_to="2026-03-01")
        )

        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0].client_code, "C-0001")

    def test_no_match_says_so(self):
        response = self.get(client="C-0077")

        self.assertEqual(self.entries(response), [])
        self.assertContains(response, "No entry matches.")


class BadFilterTests(AuditPageTestCase):
    def assert_refused(self, message: str, **params) -> None:
        response = self.get(**params)
        self.assertEqual(self.entries(response), [])
        self.assertContains(response, "The filter could not be applied")
        self.assertContains(response, message)

    def test_an_impossible_date_shows_a_message(self):
        self.assert_refused("From: Enter a valid date.", date_from="2026-02-30")

    def test_a_far_future_or_ancient_date_shows_a_message_not_a_500(self):
        self.assert_refused("To: Ensure this value is less than", date_to="9999-12-31")
        self.assert_refused("From: Ensure this value is greater than", date_from="0001-01-01")

    def test_from_after_to_shows_a_message(self):
        self.assert_refused("is after the", date_from="2026-04-01", date_to="2026-03-01")

    def test_a_name_in_the_client_box_shows_a_message(self):
        self.assert_refused("Enter a client code such as C-0007", client="Jane Doe")

    def test_an_unknown_action_shows_a_message(self):
        self.assert_refused("Select a valid choice", action="read_diary")

    def test_a_bad_page_number_shows_a_page(self):
        for page in ("0", "-1", "abc", "99999999999999999999"):
            with self.subTest(page=page):
                self.assertEqual(self.get(page=page).status_code, 200)


class PaginationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        request = request_from(cls.alice)
        for _ in range(PAGE_SIZE + 1):
            log_event(action=Action.VIEW_SESSION, request=request)
        log_event(user=cls.alice, action=Action.SIGN_IN)  # filtered out below

    def test_fifty_per_page_and_the_filter_is_kept_across_pages(self):
        sign_in(self.client, self.alice)
        first = self.client.get(URL, {"action": "view_session"})

        self.assertEqual(len(first.context["page"].object_list), PAGE_SIZE)
        self.assertContains(first, 'href="?action=view_session&amp;page=2"')
        second = self.client.get(URL, {"action": "view_session", "page": "2"})
        self.assertEqual(len(second.context["page"].object_list), 1)
        self.assertContains(second, "51\N{EN DASH}51 of 51 entries")


class AnyInputTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        log_event(action=Action.VIEW_CLIENT, request=request_from(cls.alice))

    @settings(max_examples=60, deadline=None)
    @given(
        st.dictionaries(
            st.sampled_from(["client", "action", "date_from", "date_to", "page"]),
            st.text(max_size=40),
        )
    )
    def test_any_query_string_gives_a_page_never_an_error(self, params):
        sign_in(self.client, self.alice)
        clean = {key: value.replace("\x00", "") for key, value in params.items()}

        response = self.client.get(URL, clean)

        self.assertEqual(response.status_code, 200)


class EndToEndTests(TestCase):
    """The audit page shows the views just made through the app's own pages."""

    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.record = make_client(cls.alice)

    def test_a_client_page_view_appears_on_the_audit_page(self):
        sign_in(self.client, self.alice)
        self.assertEqual(self.client.get(self.record.get_absolute_url()).status_code, 200)

        response = self.client.get(URL, {"client": self.record.code})

        entries = list(response.context["page"].object_list)
        self.assertEqual([e.action for e in entries], [Action.VIEW_CLIENT])
        self.assertEqual(entries[0].object_id, str(self.record.pk))
        self.assertContains(response, "Viewed client")
