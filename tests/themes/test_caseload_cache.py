"""The caseload's in-memory cache (themes/caseload_cache.py): a request decrypts only the
sessions of the clients whose notes changed since the last one, and the caseload it gives is the
one computed from scratch, for every filter and for every therapist."""

import datetime
from collections import Counter, defaultdict
from contextlib import contextmanager
from unittest import mock

from django.test import TestCase
from django.utils import timezone

from clients.models import Client, ClientStatus
from clients.services import discharge_client
from encryption.bulk import decrypt_values
from encryption.errors import RecordIntegrityError
from sessions import services
from sessions.models import TherapySession
from tests.base import make_client, make_session, make_therapist
from tests.records import db_pk, raw, raw_column
from themes import analytics, caseload_cache
from themes.caseload_cache import CaseloadCache, cache
from themes.models import Theme


def links(*pairs: tuple[Theme, int]) -> list[dict]:
    return [{"theme": theme.pk, "intensity": level} for theme, level in pairs]


@contextmanager
def decrypted_sessions():
    """The ids of the sessions whose theme lists the cache decrypts within the block."""
    seen = []

    def counting(model, field_name, rows, **kwargs):
        rows = list(rows)
        if model is TherapySession:
            seen.extend(row[0] for row in rows)
        return decrypt_values(model, field_name, rows, **kwargs)

    with mock.patch.object(caseload_cache, "decrypt_values", counting):
        yield seen


def outline(rows: list[analytics.CaseloadRow]) -> list[tuple]:
    """Everything the caseload page shows of a result, in its order."""
    return [
        (
            row.theme.slug,
            row.touched,
            [(c.code, c.sessions, c.recent_share, c.name) for c in row.clients],
        )
        for row in rows
    ]


def from_scratch(therapist, *, category=None, theme_slug=None, date_from=None, date_to=None):
    """{theme slug: (clients touched, [(code, sessions, share)] recurring)}: every active
    client's sessions in the range read and decrypted now, with the rules of analytics.py."""
    themes = Theme.objects.available_to(therapist)
    if category:
        themes = themes.filter(category=category)
    if theme_slug:
        themes = themes.filter(slug=theme_slug)
    theme_map = {theme.pk: theme for theme in themes}
    sessions = TherapySession.objects.for_therapist(therapist).filter(
        client__status=ClientStatus.ACTIVE
    )
    if date_from:
        sessions = sessions.filter(date__gte=date_from)
    if date_to:
        sessions = sessions.filter(date__lte=date_to)
    by_client = defaultdict(list)
    for session in analytics.load_theme_links(sessions):
        by_client[session.client_id].append(set(session.intensities))
    codes = {client.pk: client.code for client in Client.objects.for_therapist(therapist)}
    touched, recurring = Counter(), defaultdict(list)
    for client_id, theme_sets in by_client.items():
        touched.update({t for ids in theme_sets for t in ids if t in theme_map})
        for theme_id, share in analytics.recurring_for_client(theme_sets).items():
            if theme_id in theme_map:
                recurring[theme_id].append((codes[client_id], len(theme_sets), share))
    return {
        theme_map[t].slug: (count, sorted(recurring[t], key=lambda c: (-c[2], c[0])))
        for t, count in touched.items()
    }


def by_slug(rows: list[analytics.CaseloadRow]) -> dict[str, analytics.CaseloadRow]:
    return {row.theme.slug: row for row in rows}


def as_scratch(rows: list[analytics.CaseloadRow]) -> dict:
    return {
        row.theme.slug: (row.touched, [(c.code, c.sessions, c.recent_share) for c in row.clients])
        for row in rows
    }


class CaseloadCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.rejection = Theme.objects.get(slug="maternal-rejection")  # attachment
        cls.anxiety = Theme.objects.get(slug="anxiety")  # affect
        cls.guilt = Theme.objects.get(slug="guilt")  # affect
        cls.today = today = timezone.localdate()

        def weekly(client, themes_per_week, weeks_ago=1, **fields):
            count = len(themes_per_week)
            for week, themes in enumerate(themes_per_week):
                day = today - datetime.timedelta(weeks=weeks_ago + count - 1 - week)
                make_session(client, date=day, themes=themes, **fields)

        rejection, anxiety, none = links((cls.rejection, 3)), links((cls.anxiety, 2)), []
        cls.noor = make_client(cls.alice, full_name="Noor Example")
        weekly(cls.noor, [links((cls.rejection, 3), (cls.anxiety, 1))] * 4)
        cls.tom = make_client(cls.alice, full_name="Tom Example")
        weekly(cls.tom, [anxiety, anxiety, anxiety, rejection])
        # Guilt recurring long ago; anxiety now. Two sessions on one day: the later one
        # (by start time) is the newest.
        cls.old = make_client(cls.alice, full_name="Old Example")
        weekly(cls.old, [links((cls.guilt, 2))] * 3, weeks_ago=80)
        weekly(cls.old, [anxiety, anxiety], weeks_ago=3, start_time=datetime.time(9))
        weekly(cls.old, [anxiety, none], weeks_ago=3, start_time=datetime.time(15))
        # Fourteen sessions: the window of twelve decides.
        cls.long = make_client(cls.alice, full_name="Long Example")
        weekly(cls.long, [links((cls.guilt, 1))] * 3 + [anxiety] * 11, weeks_ago=2)
        cls.quiet = make_client(cls.alice, full_name="Quiet Example")  # no sessions
        cls.gone = make_client(cls.alice, full_name="Gone Example", status=ClientStatus.DISCHARGED)
        weekly(cls.gone, [rejection] * 5)
        cls.bobs = make_client(cls.bob, full_name="Bob Example")
        weekly(cls.bobs, [links((cls.rejection, 3), (cls.guilt, 2))] * 5)

    def setUp(self):
        cache.clear()  # every test starts as a fresh process would

    def filters(self) -> list[dict]:
        day = datetime.timedelta
        old_dates = TherapySession.objects.filter(client=self.old).order_by("date")
        first_recent = old_dates.filter(date__gte=self.today - day(weeks=10)).first().date
        return [
            {},
            {"date_from": self.today - day(days=365), "date_to": self.today},
            {"date_from": first_recent, "date_to": first_recent},  # the day of two sessions
            {"date_from": first_recent},
            {"date_to": self.today - day(weeks=60)},
            {"date_from": self.today - day(weeks=5), "date_to": self.today - day(weeks=2)},
            {"category": "affect"},
            {"category": "attachment", "date_from": self.today - day(weeks=3)},
            {"theme_slug": "anxiety", "names_per_row": 1},
            {"theme_slug": "no-such-theme"},
        ]

    def alice_session_ids(self, *clients) -> set:
        clients = clients or (self.noor, self.tom, self.old, self.long)
        return set(TherapySession.objects.filter(client__in=clients).values_list("pk", flat=True))

    def test_a_second_request_decrypts_nothing_when_nothing_changed(self):
        with decrypted_sessions() as first:
            before = analytics.caseload(self.alice)
        # The control: a first request decrypts every session of the active clients.
        self.assertEqual(len(first), 4 + 4 + 7 + 14)
        self.assertEqual(set(first), self.alice_session_ids())
        with decrypted_sessions() as second:
            after = analytics.caseload(self.alice)
        self.assertEqual(second, [])
        self.assertEqual(outline(after), outline(before))

    def test_four_queries_when_nothing_changed(self):
        # The first: themes, the active clients with their fingerprints, their sessions and two
        # for the sessions' integrity check, two for the check of the names shown. Then the
        # sessions are not read.
        with self.assertNumQueries(7):
            analytics.caseload(self.alice)
        with self.assertNumQueries(4):
            analytics.caseload(self.alice)

    def test_after_one_save_only_that_client_is_read_again(self):
        anxiety = by_slug(analytics.caseload(self.alice))["anxiety"]
        self.assertIn(self.tom.code, [c.code for c in anxiety.clients])
        session = TherapySession.objects.filter(client=self.tom).order_by("date").first()
        session.themes = links((self.guilt, 2))
        saved = services.save_draft_session(session=session, expected_version=session.version)
        self.assertEqual(saved, services.SaveResult.SAVED)
        with decrypted_sessions() as read:
            result = analytics.caseload(self.alice, theme_slug="anxiety")
        self.assertEqual(set(read), self.alice_session_ids(self.tom))
        # Anxiety is left in two of Tom's four sessions: no longer recurring for him.
        self.assertNotIn(self.tom.code, [c.code for c in result[0].clients])

    def test_a_deleted_session_disappears(self):
        rejection = by_slug(analytics.caseload(self.alice))["maternal-rejection"]
        self.assertEqual([(c.code, c.sessions) for c in rejection.clients], [(self.noor.code, 4)])
        doomed = TherapySession.objects.filter(client=self.noor).order_by("date")[:2]
        TherapySession.objects.filter(pk__in=[s.pk for s in doomed]).delete()
        with decrypted_sessions() as read:
            rows = by_slug(analytics.caseload(self.alice))
        self.assertEqual(set(read), self.alice_session_ids(self.noor))
        self.assertEqual(rows["maternal-rejection"].clients, [])  # two sessions: too few
        self.assertEqual(rows["maternal-rejection"].touched, 2)  # by Noor and Tom still
        self.assertNotIn(self.noor.code, [c.code for c in rows["anxiety"].clients])

    def test_a_discharged_client_disappears(self):
        codes = {c.code for row in analytics.caseload(self.alice) for c in row.clients}
        self.assertIn(self.noor.code, codes)
        discharge_client(client=self.noor, discharge_date=self.today, closing_summary="Done.")
        with decrypted_sessions() as read:
            result = analytics.caseload(self.alice)
        self.assertEqual(read, [])
        self.assertNotIn(self.noor.code, {c.code for row in result for c in row.clients})
        self.assertNotIn(self.noor.pk, cache.clients_held(self.alice.pk))

    def test_an_erased_client_leaves_the_caseload_and_this_process_at_once(self):
        analytics.caseload(self.alice)
        tom, code = self.tom.pk, self.tom.code
        self.assertIn(tom, cache.clients_held(self.alice.pk))
        services.erase_client(client=self.tom)
        # Before any request: gone from memory, not only from the next page.
        self.assertNotIn(tom, cache.clients_held(self.alice.pk))
        self.assertIn(self.noor.pk, cache.clients_held(self.alice.pk))
        result = analytics.caseload(self.alice)
        self.assertNotIn(code, {c.code for row in result for c in row.clients})
        self.assertIn(self.noor.code, {c.code for row in result for c in row.clients})

    def test_negative_control_without_forgetting_an_erased_client_stays_in_memory(self):
        analytics.caseload(self.alice)
        tom = self.tom.pk
        with mock.patch.object(cache, "forget_client"):
            services.erase_client(client=self.tom)
        self.assertIn(tom, cache.clients_held(self.alice.pk))
        analytics.caseload(self.alice)  # the next request drops it all the same
        self.assertNotIn(tom, cache.clients_held(self.alice.pk))

    def test_a_new_client_appears(self):
        analytics.caseload(self.alice)
        new = make_client(self.alice, full_name="New Example")
        for week in range(3):
            make_session(
                new,
                date=self.today - datetime.timedelta(weeks=week + 1),
                themes=links((self.guilt, 3)),
            )
        with decrypted_sessions() as read:
            year = self.today - datetime.timedelta(days=365)
            rows = by_slug(analytics.caseload(self.alice, date_from=year))
        self.assertEqual(set(read), self.alice_session_ids(new))
        self.assertEqual(
            [(c.code, c.name) for c in rows["guilt"].clients], [(new.code, "New Example")]
        )

    def test_the_cached_caseload_is_the_one_computed_from_scratch(self):
        for filters in self.filters():
            analytics.caseload(self.alice, **filters)
        # Changes of every kind, each read again by the cache rather than from scratch.
        session = TherapySession.objects.filter(client=self.long).order_by("date").last()
        session.themes = links((self.guilt, 1), (self.rejection, 2))
        services.save_draft_session(session=session, expected_version=session.version)
        make_session(self.tom, date=self.today, themes=links((self.rejection, 2)))
        TherapySession.objects.filter(client=self.old).order_by("date").first().delete()
        discharge_client(client=self.noor, discharge_date=self.today, closing_summary="Done.")
        make_session(self.bobs, date=self.today, themes=links((self.anxiety, 1)))
        warm = {str(f): outline(analytics.caseload(self.alice, **f)) for f in self.filters()}
        cache.clear()
        for filters in self.filters():
            with self.subTest(**{k: str(v) for k, v in filters.items()}):
                fresh = outline(analytics.caseload(self.alice, **filters))
                self.assertEqual(warm[str(filters)], fresh)
                scratch = {k: v for k, v in filters.items() if k != "names_per_row"}
                self.assertEqual(
                    as_scratch(analytics.caseload(self.alice, **filters)),
                    from_scratch(self.alice, **scratch),
                )
        self.assertTrue(warm[str({})])  # the comparison compared something

    def test_another_therapists_clients_never_appear(self):
        alice_codes = {c.pk: c.code for c in (self.noor, self.tom, self.old, self.long)}
        for _ in range(2):  # both therapists cached in one process, in turns
            for therapist, mine in ((self.alice, set(alice_codes)), (self.bob, {self.bobs.pk})):
                for filters in ({}, {"theme_slug": "maternal-rejection"}):
                    rows = analytics.caseload(therapist, **filters)
                    shown = {c.client_id for row in rows for c in row.clients}
                    self.assertTrue(shown, therapist)
                    self.assertLessEqual(shown, mine)
                quiet = {self.quiet.pk} if therapist == self.alice else set()
                self.assertEqual(cache.clients_held(therapist.pk), mine | quiet)
        bobs = by_slug(analytics.caseload(self.bob))
        self.assertEqual(bobs["maternal-rejection"].clients[0].name, "Bob Example")

    def test_the_least_recently_used_therapist_is_dropped_past_the_bound(self):
        small = CaseloadCache(max_therapists=1)
        with decrypted_sessions() as read:
            small.active_clients(self.alice)
            small.active_clients(self.alice)
        self.assertEqual(len(read), 29)  # once
        small.active_clients(self.bob)
        self.assertEqual(small.clients_held(self.alice.pk), set())
        with decrypted_sessions() as read:
            again = small.active_clients(self.alice)
        self.assertEqual(len(read), 29)  # read again, and the same
        active = {self.noor.pk, self.tom.pk, self.old.pk, self.long.pk, self.quiet.pk}
        self.assertEqual({c.client_id for c in again}, active)

    def test_a_row_changed_outside_the_app_is_refused_when_its_client_is_read(self):
        session = TherapySession.objects.filter(client=self.tom).order_by("date").first()
        session.themes = links((self.guilt, 2))
        services.save_draft_session(session=session, expected_version=session.version)
        earlier = raw_column(TherapySession, "themes", session.pk)
        session = TherapySession.objects.get(pk=session.pk)
        session.themes = links((self.anxiety, 2))
        services.save_draft_session(session=session, expected_version=session.version)
        checked = outline(analytics.caseload(self.alice))  # the control: read, checked, shown
        # Written back from the earlier save, by raw SQL: fingerprint and ledger untouched.
        raw(
            f"UPDATE {TherapySession._meta.db_table} SET themes = %s WHERE id = %s",  # noqa: S608
            [earlier, db_pk(TherapySession, session.pk)],
        )
        # Not read again: the page shows what was checked, never the rolled-back value...
        self.assertEqual(outline(analytics.caseload(self.alice)), checked)
        # ...and refuses the row as soon as its client is read again (here: a restart).
        cache.clear()
        with self.assertRaises(RecordIntegrityError):
            analytics.caseload(self.alice)
