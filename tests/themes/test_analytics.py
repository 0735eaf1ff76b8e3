"""The rules of themes/analytics.py (recurring, run, trend, co-occurrence, timeline order), the
caseload across clients, and that theme links stay encrypted at rest."""

import datetime
import json
import uuid
from types import SimpleNamespace

from django.apps import apps
from django.db import connection, models
from django.test import SimpleTestCase, TestCase
from django.test.utils import isolate_apps
from django.utils import timezone

from clients.models import ClientStatus
from encryption.fields import EncryptedJSONField
from sessions.models import TherapySession
from tests.base import make_client, make_session, make_therapist
from themes import analytics, caseload_cache
from themes.analytics import SessionThemes, Trend, theme_stats, timeline
from themes.models import Theme

CLIENT = uuid.uuid4()
START = datetime.date(2025, 1, 6)


def sessions_of(*intensities: dict[int, int]) -> list[SessionThemes]:
    """One client's sessions a week apart, oldest first, with {theme id: intensity} each."""
    return [
        SessionThemes(
            session_id=uuid.uuid4(),
            client_id=CLIENT,
            date=START + datetime.timedelta(weeks=index),
            start_time=datetime.time(10),
            intensities=dict(links),
        )
        for index, links in enumerate(intensities)
    ]


def stat_for(theme_id: int, sessions: list[SessionThemes]) -> analytics.ThemeStat:
    (stat,) = [s for s in theme_stats(sessions) if s.theme_id == theme_id]
    return stat


class RecurringRuleTests(SimpleTestCase):
    def test_three_sessions_recur_two_do_not(self):
        self.assertFalse(stat_for(1, sessions_of({1: 2}, {1: 2}, {2: 1})).recurring)
        self.assertTrue(stat_for(1, sessions_of({1: 2}, {1: 2}, {1: 1})).recurring)

    def test_two_sessions_of_two_are_not_enough_whatever_the_share(self):
        stat = stat_for(1, sessions_of({1: 3}, {1: 3}))
        self.assertEqual(stat.share, 1.0)
        self.assertFalse(stat.recurring)

    def test_three_sessions_long_ago_are_not_recurring(self):
        # Touched in sessions 1-3 of 15: none of the last 12.
        sessions = sessions_of({1: 3}, {1: 3}, {1: 3}, *[{2: 1}] * 12)
        stat = stat_for(1, sessions)
        self.assertEqual((stat.sessions_touched, stat.recent_touched), (3, 0))
        self.assertFalse(stat.recurring)

    def test_three_sessions_but_under_a_quarter_of_the_last_twelve_are_not_recurring(self):
        # One touch before the window, two inside it: 2/12 < 25 %.
        sessions = sessions_of({1: 2}, {2: 1}, {2: 1}, *[{1: 2}] * 2, *[{2: 1}] * 10)
        stat = stat_for(1, sessions)
        self.assertEqual((stat.sessions_touched, stat.recent_touched), (3, 2))
        self.assertFalse(stat.recurring)

    def test_exactly_a_quarter_of_the_last_twelve_is_recurring(self):
        sessions = sessions_of({2: 1}, {2: 1}, *[{1: 1}] * 3, *[{2: 1}] * 9)
        stat = stat_for(1, sessions)
        self.assertEqual((stat.sessions_touched, stat.recent_touched), (3, 3))
        self.assertTrue(stat.recurring)

    def test_with_fewer_than_twelve_sessions_the_share_is_of_all_of_them(self):
        # 3 of 11 sessions is 27 %: recurring. 3 of 13 with only 2 in the last 12 is not.
        self.assertTrue(stat_for(1, sessions_of(*[{1: 1}] * 3, *[{2: 1}] * 8)).recurring)
        self.assertFalse(stat_for(1, sessions_of(*[{1: 1}] * 3, *[{2: 1}] * 10)).recurring)

    def test_the_rule_function_at_its_boundaries(self):
        rule = analytics.is_recurring
        self.assertTrue(rule(touched=3, recent_touched=3, window=12))
        self.assertFalse(rule(touched=3, recent_touched=2, window=12))
        self.assertFalse(rule(touched=2, recent_touched=2, window=2))
        self.assertTrue(rule(touched=3, recent_touched=1, window=4))
        self.assertFalse(rule(touched=3, recent_touched=1, window=5))
        self.assertFalse(rule(touched=0, recent_touched=0, window=0))

    def test_the_constants_are_the_documented_ones(self):
        self.assertEqual(
            (
                analytics.RECURRING_MIN_SESSIONS,
                analytics.RECURRING_WINDOW,
                analytics.RECURRING_MIN_SHARE,
            ),
            (3, 12, 0.25),
        )


class PerThemeFiguresTests(SimpleTestCase):
    def test_sessions_share_first_and_last_seen(self):
        sessions = sessions_of({2: 1}, {1: 2}, {2: 1}, {1: 3}, {2: 1})
        stat = stat_for(1, sessions)
        self.assertEqual(stat.sessions_touched, 2)
        self.assertEqual(stat.share, 2 / 5)
        self.assertEqual((stat.first_seen, stat.last_seen), (sessions[1].date, sessions[3].date))

    def test_current_run_counts_back_from_the_newest_session(self):
        sessions = sessions_of({1: 1}, {1: 1}, {2: 1}, {1: 2}, {1: 3}, {1: 1})
        self.assertEqual(stat_for(1, sessions).current_run, 3)

    def test_current_run_is_zero_when_the_newest_session_did_not_touch_it(self):
        sessions = sessions_of({1: 1}, {1: 1}, {1: 1}, {2: 1})
        self.assertEqual(stat_for(1, sessions).current_run, 0)

    def test_current_run_covers_every_session_when_all_touched_it(self):
        self.assertEqual(stat_for(1, sessions_of(*[{1: 2}] * 7)).current_run, 7)

    def test_co_occurring_themes_are_the_three_most_shared_ties_by_id(self):
        sessions = sessions_of(
            {1: 1, 5: 1, 4: 1},
            {1: 1, 5: 1, 3: 1},
            {1: 1, 5: 1, 2: 1, 3: 1},
            {2: 1, 5: 1},  # without theme 1: does not count for it
            {1: 1, 4: 1},
        )
        self.assertEqual(stat_for(1, sessions).co_occurring, [(5, 3), (3, 2), (4, 2)])

    def test_a_theme_alone_has_no_co_occurring_themes(self):
        self.assertEqual(stat_for(1, sessions_of({1: 2}, {1: 2})).co_occurring, [])

    def test_recurring_themes_come_first_then_the_most_touched(self):
        sessions = sessions_of({1: 1, 2: 1}, {2: 1, 3: 1}, {2: 1, 3: 1}, {1: 1, 3: 1}, {3: 1})
        self.assertEqual([s.theme_id for s in theme_stats(sessions)], [3, 2, 1])
        self.assertEqual([s.recurring for s in theme_stats(sessions)], [True, True, False])

    def test_no_sessions_no_figures(self):
        self.assertEqual(theme_stats([]), [])


class TrendTests(SimpleTestCase):
    """The last 6 sessions against the 6 before, by mean intensity (0 when absent)."""

    def trend(self, before: list[int], recent: list[int], earlier: list[int] = ()) -> str:
        levels = [*earlier, *before, *recent]
        sessions = sessions_of(*({1: level} if level else {2: 1} for level in levels))
        return stat_for(1, sessions).trend

    def test_rising(self):
        self.assertEqual(self.trend([1, 0, 1, 0, 1, 0], [2, 3, 2, 3, 2, 3]), Trend.RISING)

    def test_fading(self):
        self.assertEqual(self.trend([3, 3, 2, 3, 3, 2], [1, 0, 1, 0, 0, 1]), Trend.FADING)

    def test_steady(self):
        self.assertEqual(self.trend([2, 2, 0, 2, 2, 0], [2, 0, 2, 2, 0, 2]), Trend.STEADY)

    def test_a_change_within_the_tolerance_is_steady_beyond_it_rising(self):
        # Means 1.0 against 7/6 (within 0.25), then against 8/6 (beyond it).
        self.assertEqual(self.trend([1] * 6, [1, 1, 1, 1, 1, 2]), Trend.STEADY)
        self.assertEqual(self.trend([1] * 6, [1, 1, 1, 1, 2, 2]), Trend.RISING)

    def test_first_seen_within_the_last_six_is_new(self):
        self.assertEqual(self.trend([0] * 6, [0, 0, 0, 1, 2, 3]), Trend.NEW)

    def test_every_theme_of_a_short_history_is_new(self):
        self.assertEqual(stat_for(1, sessions_of({1: 2}, {1: 3}, {1: 2})).trend, Trend.NEW)

    def test_absent_from_both_windows_is_dormant(self):
        self.assertEqual(self.trend([0] * 6, [0] * 6, earlier=[3, 3, 3]), Trend.DORMANT)

    def test_returning_after_an_absence_is_rising_and_vanishing_is_fading(self):
        self.assertEqual(self.trend([0] * 6, [1, 0, 0, 0, 0, 0], earlier=[2]), Trend.RISING)
        self.assertEqual(self.trend([1, 0, 0, 0, 0, 0], [0] * 6), Trend.FADING)

    def test_a_short_window_before_is_compared_by_its_own_mean(self):
        # Eight sessions: the window before holds two, both at 1 (mean 1), recent mean 2.
        self.assertEqual(self.trend([1, 1], [2] * 6), Trend.RISING)


def fake_theme(pk: int, category: str, sort_order: int) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, category=category, sort_order=sort_order, name=f"Theme {pk}")


class TimelineTests(SimpleTestCase):
    def test_rows_follow_category_order_then_count_then_taxonomy_order(self):
        themes = {
            1: fake_theme(1, "affect", 1),
            2: fake_theme(2, "attachment", 9),
            3: fake_theme(3, "attachment", 2),
            4: fake_theme(4, "affect", 0),
            5: fake_theme(5, "attachment", 1),
        }
        sessions = sessions_of({1: 1, 2: 1, 3: 2}, {1: 2, 2: 3, 4: 1, 5: 1}, {2: 1})
        line = timeline(sessions, themes)
        # attachment before affect; within attachment 2 (3 sessions) before 3 and 5 (1 each),
        # which follow the taxonomy's order (5 has sort order 1, 3 has 2).
        self.assertEqual([row.theme.pk for row in line.rows], [2, 5, 3, 1, 4])
        self.assertEqual([row.sessions_touched for row in line.rows], [3, 1, 1, 2, 1])

    def test_cells_hold_the_intensity_per_session_and_zero_where_untouched(self):
        themes = {1: fake_theme(1, "affect", 0), 2: fake_theme(2, "affect", 1)}
        sessions = sessions_of({1: 3}, {2: 1}, {1: 1, 2: 2})
        line = timeline(sessions, themes)
        self.assertEqual(line.sessions, sessions)
        self.assertEqual({row.theme.pk: row.intensities for row in line.rows}, {
            1: [3, 0, 1],
            2: [0, 1, 2],
        })  # fmt: skip

    def test_ids_of_deleted_themes_are_left_out(self):
        line = timeline(sessions_of({1: 2, 99: 3}), {1: fake_theme(1, "risk", 0)})
        self.assertEqual([row.theme.pk for row in line.rows], [1])

    def test_an_unknown_category_sorts_last(self):
        themes = {1: fake_theme(1, "custom", 0), 2: fake_theme(2, "therapy_process", 0)}
        line = timeline(sessions_of({1: 1, 2: 1}, {1: 1}), themes)
        self.assertEqual([row.theme.pk for row in line.rows], [2, 1])


class ParseLinksTests(SimpleTestCase):
    def test_intensities_and_evidence(self):
        links = [
            {"theme": 4, "intensity": 3, "evidence": "  Said her mother never came.  "},
            {"theme": "7", "intensity": "1"},
            {"theme": 9, "intensity": 2, "evidence": "   "},
        ]
        self.assertEqual(
            analytics.parse_links(links),
            ({4: 3, 7: 1, 9: 2}, {4: "Said her mother never came."}),
        )

    def test_no_links(self):
        self.assertEqual(analytics.parse_links([]), ({}, {}))


class LoadThemeLinksTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.client_ = make_client(cls.alice)
        cls.rejection = Theme.objects.get(slug="maternal-rejection")
        cls.guilt = Theme.objects.get(slug="guilt")
        day = datetime.date(2026, 3, 2)
        cls.late = make_session(
            cls.client_,
            date=day,
            start_time=datetime.time(15),
            themes=[{"theme": cls.guilt.pk, "intensity": 1}],
        )
        cls.early = make_session(
            cls.client_,
            date=day,
            start_time=datetime.time(9),
            themes=[
                {"theme": cls.rejection.pk, "intensity": 3, "evidence": "Mother left the room."},
                {"theme": cls.guilt.pk, "intensity": 2},
            ],
        )
        cls.first = make_session(cls.client_, date=day - datetime.timedelta(days=7))

    def test_three_queries_oldest_first_with_intensities_and_evidence(self):
        # One for the links, two for checking those rows against the integrity ledger.
        with self.assertNumQueries(3):
            loaded = analytics.load_theme_links(TherapySession.objects.filter(client=self.client_))
        self.assertEqual(
            [s.session_id for s in loaded], [self.first.pk, self.early.pk, self.late.pk]
        )
        self.assertEqual(loaded[1].intensities, {self.rejection.pk: 3, self.guilt.pk: 2})
        self.assertEqual(loaded[1].evidence, {self.rejection.pk: "Mother left the room."})
        self.assertEqual(loaded[0].intensities, {})
        self.assertEqual(loaded[1].client_id, self.client_.pk)
        self.assertEqual(loaded[1].start_time, datetime.time(9))


def links(*pairs: tuple[Theme, int]) -> list[dict]:
    return [{"theme": theme.pk, "intensity": level} for theme, level in pairs]


class CaseloadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.rejection = Theme.objects.get(slug="maternal-rejection")  # attachment
        cls.anxiety = Theme.objects.get(slug="anxiety")  # affect
        cls.guilt = Theme.objects.get(slug="guilt")  # affect
        today = timezone.localdate()
        cls.today = today

        def weekly(client, count, themes, weeks_ago=1):
            for week in range(count):
                day = today - datetime.timedelta(weeks=weeks_ago + count - 1 - week)
                make_session(client, date=day, themes=themes)

        cls.noor = make_client(cls.alice, full_name="Noor Example")
        weekly(cls.noor, 4, links((cls.rejection, 3), (cls.anxiety, 1)))
        cls.tom = make_client(cls.alice, full_name="Tom Example")
        weekly(cls.tom, 3, links((cls.anxiety, 2)))
        weekly(cls.tom, 1, links((cls.rejection, 1)))  # touched once: not recurring
        # Recurring long ago only: outside a recent range.
        cls.old = make_client(cls.alice, full_name="Old Example")
        weekly(cls.old, 3, links((cls.guilt, 2)), weeks_ago=80)
        cls.discharged = make_client(
            cls.alice, full_name="Gone Example", status=ClientStatus.DISCHARGED
        )
        weekly(cls.discharged, 5, links((cls.rejection, 3)))
        cls.bobs = make_client(cls.bob, full_name="Bob Example")
        weekly(cls.bobs, 5, links((cls.rejection, 3), (cls.guilt, 2)))

    def rows(self, therapist=None, **filters) -> dict[str, list[str]]:
        result = analytics.caseload(therapist or self.alice, **filters)
        return {row.theme.slug: [c.code for c in row.clients] for row in result}

    def test_recurring_clients_per_theme_most_clients_first(self):
        result = analytics.caseload(self.alice)
        self.assertEqual([row.theme.slug for row in result[:2]], ["anxiety", "maternal-rejection"])
        anxiety, rejection = result[0], result[1]
        self.assertEqual([c.code for c in anxiety.clients], [self.noor.code, self.tom.code])
        self.assertEqual((anxiety.recurring, anxiety.touched), (2, 2))
        self.assertEqual([c.client_id for c in rejection.clients], [self.noor.pk])
        self.assertEqual((rejection.recurring, rejection.touched), (1, 2))
        self.assertEqual(rejection.clients[0].name, "Noor Example")
        self.assertEqual(rejection.clients[0].sessions, 4)

    def test_only_active_clients_count(self):
        rejection = self.rows()["maternal-rejection"]
        self.assertNotIn(self.discharged.code, rejection)
        self.assertEqual(len(rejection), 1)

    def test_the_date_range_limits_the_sessions_considered(self):
        recent = self.rows(date_from=self.today - datetime.timedelta(days=365))
        self.assertNotIn("guilt", recent)
        everything = self.rows()
        self.assertEqual(everything["guilt"], [self.old.code])
        # A range holding only Noor's last two sessions: too few to recur.
        last_two = self.rows(date_from=self.today - datetime.timedelta(weeks=2))
        self.assertEqual(last_two["maternal-rejection"], [])
        up_to = self.rows(date_to=self.today - datetime.timedelta(weeks=60))
        self.assertEqual(set(up_to), {"guilt"})

    def test_the_category_filter(self):
        self.assertEqual(set(self.rows(category="attachment")), {"maternal-rejection"})
        self.assertEqual(set(self.rows(category="affect")), {"anxiety", "guilt"})
        self.assertEqual(self.rows(category="risk"), {})

    def test_one_theme(self):
        self.assertEqual(
            self.rows(theme_slug="anxiety"), {"anxiety": [self.noor.code, self.tom.code]}
        )
        self.assertEqual(self.rows(theme_slug="no-such-theme"), {})

    def test_another_therapists_clients_never_appear(self):
        self.assertEqual(
            self.rows(self.bob), {"maternal-rejection": [self.bobs.code], "guilt": [self.bobs.code]}
        )
        alice_ids = {self.noor.pk, self.tom.pk, self.old.pk, self.discharged.pk}
        for row in analytics.caseload(self.bob):
            self.assertFalse({c.client_id for c in row.clients} & alice_ids)

    def test_names_are_decrypted_only_for_the_clients_shown(self):
        anxiety = analytics.caseload(self.alice, theme_slug="anxiety", names_per_row=1)[0]
        self.assertEqual([c.name for c in anxiety.clients], ["Noor Example", ""])

    def test_seven_queries_then_four(self):
        # Three, and two for each set of rows checked against the integrity ledger (the
        # sessions' theme links, the names shown); once the process holds the clients' theme
        # lists (themes.caseload_cache), nothing changed: four.
        caseload_cache.cache.clear()
        with self.assertNumQueries(7):
            analytics.caseload(self.alice)
        with self.assertNumQueries(4):
            analytics.caseload(self.alice)


def relations_to(target: type[models.Model], models_to_check) -> list[str]:
    """Every field of these models that links rows to ``target`` in plain SQL."""
    return [
        f"{model._meta.label}.{field.name}"
        for model in models_to_check
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation and field.concrete and field.related_model is target
    ]


class ThemeLinksStayEncryptedTests(TestCase):
    # Models allowed to reference a theme in plain SQL: none. Taxonomy rows are not client data,
    # but a link from anything about a client to a theme would be a readable frequency table.
    ALLOWED: frozenset[str] = frozenset()

    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.client_ = make_client(cls.alice)
        cls.rejection = Theme.objects.get(slug="maternal-rejection")
        cls.evidence = "kestrel-Ж9-evidence her mother would not look at the baby"
        cls.session = make_session(
            cls.client_,
            themes=[
                {"theme": cls.rejection.pk, "intensity": 3, "evidence": cls.evidence},
                {"theme": Theme.objects.get(slug="guilt").pk, "intensity": 1},
            ],
        )

    def raw_theme_columns(self) -> list[bytes]:
        table = connection.ops.quote_name(TherapySession._meta.db_table)
        column = connection.ops.quote_name(TherapySession._meta.get_field("themes").column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (names from the model)
            return [bytes(row[0]) for row in cursor.fetchall()]

    def test_the_stored_theme_column_reveals_no_theme_id_slug_or_evidence(self):
        (raw,) = self.raw_theme_columns()
        plaintext = json.dumps(self.session.themes, separators=(",", ":")).encode()
        in_the_json = [
            b'"theme"',
            b'"intensity"',
            b'"evidence"',
            b"kestrel",
            f'"theme":{self.rejection.pk},'.encode(),
        ]
        for needle in in_the_json:
            with self.subTest(needle=needle):
                self.assertIn(needle, plaintext)  # the scan would fire on a plaintext copy
                self.assertNotIn(needle, raw)
        for needle in (b"maternal-rejection", b"Maternal rejection"):
            self.assertNotIn(needle, raw)
        # What is stored is the envelope, and it opens to the links.
        stored = TherapySession.objects.get(pk=self.session.pk).themes
        self.assertEqual(
            stored[0], {"theme": self.rejection.pk, "intensity": 3, "evidence": self.evidence}
        )

    def test_the_theme_links_are_an_encrypted_field(self):
        self.assertIsInstance(TherapySession._meta.get_field("themes"), EncryptedJSONField)

    def test_no_model_links_to_a_theme_in_plain_sql(self):
        found = set(relations_to(Theme, apps.get_models(include_auto_created=True)))
        self.assertEqual(found - self.ALLOWED, set())

    @isolate_apps("themes")
    def test_the_schema_guard_finds_a_link_table_negative_control(self):
        # Stand-ins in an isolated registry, so the real Theme gains no reverse relation.
        class StandInTheme(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "themes"

        class SessionTheme(models.Model):  # noqa: DJ008
            theme = models.ForeignKey(StandInTheme, on_delete=models.CASCADE)

            class Meta:
                app_label = "themes"

        class Tagged(models.Model):  # noqa: DJ008
            themes = models.ManyToManyField(StandInTheme)

            class Meta:
                app_label = "themes"

        found = relations_to(StandInTheme, [SessionTheme, Tagged, Tagged.themes.through])
        self.assertIn("themes.SessionTheme.theme", found)
        self.assertIn("themes.Tagged.themes", found)
        self.assertIn("themes.Tagged_themes.standintheme", found)
