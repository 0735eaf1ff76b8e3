"""The client page of a long-seen client: the newest 25 sessions, the total, *Show more* for the
next 25 (a plain link, ``?sessions=50``); the recurring themes and the plan still count every
session; each note's theme list decrypted once per request."""

import datetime
import re
from collections import Counter
from unittest import mock

from django.urls import reverse

from encryption import bulk, fields
from plans import services as plan_services
from sessions.models import TherapySession
from sessions.services import import_sessions
from tests.base import PersonaTestCase, make_client, make_plan, make_session
from themes import analytics
from themes.models import Theme

THEMES_LABEL = TherapySession._meta.get_field("themes").encryption_label
FIRST_DAY = datetime.date(2025, 1, 6)


def make_sessions(client, count: int, *, themes_of=lambda index: []) -> list[TherapySession]:
    """``count`` weekly sessions for ``client``, oldest first (index 0), in one bulk write;
    ``themes_of(index)``: each one's stored theme list."""
    sessions = [
        TherapySession(
            client=client,
            date=FIRST_DAY + datetime.timedelta(weeks=index),
            start_time=datetime.time(10, 0),
            note={"subjective": f"Week {index}."},
            themes=themes_of(index),
        )
        for index in range(count)
    ]
    import_sessions(sessions=sessions)
    return sessions


def listed(response) -> list[str]:
    """The addresses of the sessions the page lists, in the order shown."""
    rows = re.findall(
        r'<tr id="session-(\d+)">\s*<td[^>]*><a href="([^"]+)"', response.content.decode()
    )
    assert [int(number) for number, _ in rows] == list(range(1, len(rows) + 1)), rows
    return [address for _, address in rows]


def newest_first(sessions: list[TherapySession]) -> list[str]:
    return [session.get_absolute_url() for session in reversed(sessions)]


class SessionPagesTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.long_client = make_client(cls.alice, full_name="Long Seen")
        cls.sessions = make_sessions(cls.long_client, 60)

    def setUp(self):
        self.sign_in(self.alice)

    def page(self, query: str = "", client=None):
        address = reverse("client_detail", args=[(client or self.long_client).pk])
        return self.client.get(address + query)

    def test_the_page_lists_the_newest_25_and_shows_the_total(self):
        response = self.page()
        self.assertEqual(listed(response), newest_first(self.sessions)[:25])
        self.assertContains(response, '<span class="text-body-secondary fw-normal">(60)</span>')
        self.assertContains(response, "The newest 25 of 60.")
        more = f"{self.long_client.get_absolute_url()}?sessions=50#session-26"
        self.assertContains(response, f'href="{more}">Show 25 more sessions</a>')

    def test_show_more_lists_the_next_25_after_those_in_order(self):
        response = self.page("?sessions=50")
        self.assertEqual(listed(response), newest_first(self.sessions)[:50])
        self.assertContains(response, "The newest 50 of 60.")
        more = f"{self.long_client.get_absolute_url()}?sessions=75#session-51"
        self.assertContains(response, f'href="{more}">Show 10 more sessions</a>')

    def test_the_last_page_lists_every_session_and_offers_no_more(self):
        response = self.page("?sessions=75")
        self.assertEqual(listed(response), newest_first(self.sessions))
        self.assertNotContains(response, "?sessions=")
        self.assertNotContains(response, "The newest")

    def test_a_client_with_fewer_than_25_sessions_gets_no_link(self):
        few = make_client(self.alice, full_name="Few Sessions")
        sessions = make_sessions(few, 3)
        response = self.page(client=few)
        self.assertEqual(listed(response), newest_first(sessions))
        self.assertContains(response, '<span class="text-body-secondary fw-normal">(3)</span>')
        self.assertNotContains(response, "?sessions=")

    def test_exactly_25_sessions_get_no_link(self):
        exact = make_client(self.alice, full_name="Exactly A Page")
        make_sessions(exact, 25)
        response = self.page(client=exact)
        self.assertEqual(len(listed(response)), 25)
        self.assertNotContains(response, "?sessions=")

    def test_one_session_more_is_offered_as_one(self):
        odd = make_client(self.alice, full_name="One Over")
        make_sessions(odd, 26)
        self.assertContains(self.page(client=odd), ">Show 1 more session</a>")

    def test_anything_but_a_number_lists_the_first_page(self):
        for value in ("abc", "-5", "10", "", "1e3", "٣٠", "5" * 40, "50%00"):
            with self.subTest(value=value):
                response = self.page(f"?sessions={value}")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(listed(response), newest_first(self.sessions)[:25])

    def test_another_therapists_client_is_a_404_with_or_without_show_more(self):
        self.assertEqual(self.page("?sessions=50").status_code, 200)  # control: alice's own
        self.sign_in(self.bob)
        for query in ("", "?sessions=50"):
            with self.subTest(query=query):
                response = self.page(query)
                self.assertEqual(response.status_code, 404)
                self.assertNotContains(response, "Long Seen", status_code=404)


class EverySessionCountedTests(PersonaTestCase):
    """The page lists 25 sessions, but the recurring themes and the plan's progress count all."""

    def setUp(self):
        self.sign_in(self.alice)

    def test_recurring_themes_count_sessions_beyond_those_listed(self):
        guilt = Theme.objects.get(slug="guilt")
        client = make_client(self.alice, full_name="Old Guilt")
        # Guilt only in the three oldest sessions: none of them is listed.
        make_sessions(
            client, 40, themes_of=lambda i: [{"theme": guilt.pk, "intensity": 2}] if i < 3 else []
        )
        response = self.client.get(client.get_absolute_url())
        counts = {row["theme"]: row["sessions"] for row in response.context["theme_counts"]}
        self.assertEqual(counts, {guilt: 3})
        self.assertContains(response, "Sessions that touched each theme, of 40.")
        self.assertEqual(len(response.context["timeline"]), 25)
        self.assertTrue(all(links == [] for _session, links in response.context["timeline"]))

    def test_the_plan_counts_notes_beyond_those_listed(self):
        client = make_client(self.alice, full_name="Long Plan")
        make_plan(client)
        sessions = make_sessions(client, 30)
        for session in sessions[:2]:  # the two oldest: not listed
            plan_services.record_progress(
                session=session,
                user=self.alice,
                goals_addressed=["g1"],
                objectives={"o1": {"rating": "some_progress", "comment": ""}},
            )
        response = self.client.get(client.get_absolute_url())
        self.assertContains(response, "addressed in 2 notes")
        self.assertContains(
            response, '<span class="badge text-bg-info">Some progress</span>', html=True
        )


class ThemeDecryptionTests(PersonaTestCase):
    """Each note's theme list is decrypted once per request, for the recurring themes and for
    the badges of the sessions listed."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.guilt = Theme.objects.get(slug="guilt")
        cls.long_client = make_client(cls.alice, full_name="Counted")
        cls.sessions = make_sessions(
            cls.long_client, 30, themes_of=lambda i: [{"theme": cls.guilt.pk, "intensity": 1}]
        )

    def setUp(self):
        self.sign_in(self.alice)

    def counting_theme_decryptions(self) -> tuple[Counter, list]:
        """Counts, by session id, every decryption of a session's theme list, through a model
        field or in bulk (the two ways a value is opened)."""
        opened: Counter = Counter()
        real, real_many = fields.open_sealed, bulk.open_many

        def counted(blob, *, label, row_id, **kwargs):
            if label == THEMES_LABEL:
                opened[row_id] += 1
            return real(blob, label=label, row_id=row_id, **kwargs)

        def counted_many(values, *, label, **kwargs):
            values = list(values)
            if label == THEMES_LABEL:
                opened.update(row_id for _blob, row_id, _binding in values)
            return real_many(values, label=label, **kwargs)

        patches = [
            mock.patch.object(fields, "open_sealed", counted),
            mock.patch.object(bulk, "open_many", counted_many),
        ]
        return opened, patches

    def test_a_request_decrypts_each_listed_theme_list_once_and_the_rest_when_they_change(self):
        opened, patches = self.counting_theme_decryptions()
        listed_ids = {str(session.pk) for session in self.sessions[-25:]}
        with patches[0], patches[1]:
            response = self.client.get(self.long_client.get_absolute_url())
        self.assertEqual(len(listed(response)), 25)
        self.assertContains(response, "Sessions that touched each theme, of 30.")
        # The first request: the recurring themes read every list once, in bulk (the caseload
        # cache), and the badges read the listed ones.
        self.assertEqual(
            opened,
            Counter({str(s.pk): 2 if str(s.pk) in listed_ids else 1 for s in self.sessions}),
        )
        opened.clear()
        with patches[0], patches[1]:
            again = self.client.get(self.long_client.get_absolute_url())
        self.assertContains(again, "Sessions that touched each theme, of 30.")
        # Nothing changed: only the listed sessions' lists, once each.
        self.assertEqual(opened, Counter(dict.fromkeys(listed_ids, 1)))

    def test_control_a_second_reading_is_counted(self):
        """The counter sees a theme list read again (here in bulk, as the theme pages do)."""
        opened, patches = self.counting_theme_decryptions()
        self.client.get(self.long_client.get_absolute_url())  # the cache is warm
        with patches[0], patches[1]:
            self.client.get(self.long_client.get_absolute_url())
            analytics.load_theme_links(TherapySession.objects.filter(client=self.long_client))
        self.assertEqual(set(opened.values()), {1, 2})

    def test_the_recurring_themes_follow_a_new_note(self):
        self.assertContains(
            self.client.get(self.long_client.get_absolute_url()),
            "Sessions that touched each theme, of 30.",
        )
        grief = Theme.objects.exclude(pk=self.guilt.pk).first()
        make_session(
            self.long_client,
            date=datetime.date(2026, 9, 1),
            themes=[{"theme": grief.pk, "intensity": 2}, {"theme": self.guilt.pk, "intensity": 1}],
        )
        response = self.client.get(self.long_client.get_absolute_url())
        self.assertContains(response, "Sessions that touched each theme, of 31.")
        self.assertEqual(theme_counts(response), {self.guilt.name: 31, grief.name: 1})


def theme_counts(response) -> dict[str, int]:
    """{theme name: sessions touched} as the client page lists them."""
    listing = response.content.decode().split('class="list-unstyled mb-0 theme-counts">')[1]
    listing = listing.split("</ul>")[0]
    return {
        name.strip(): int(count)
        for name, count in re.findall(
            r"<li[^>]*>\s*<span>([^<]+?)(?:<span|</span>).*?text-bg-secondary\">(\d+)</span>",
            listing,
            re.S,
        )
    }
