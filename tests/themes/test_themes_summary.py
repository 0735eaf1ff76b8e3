"""Reading a session's encrypted theme links into what a page shows. The built-in taxonomy that
the data migrations load is tested in tests/themes/test_built_in_themes.py."""

import datetime

from django.test import TestCase

from sessions.models import TherapySession
from themes.models import Theme
from themes.summary import links_for, theme_map


def session_on(day: datetime.date, *links: tuple[Theme | int, int]) -> TherapySession:
    """An unsaved session with the given (theme or theme id, intensity) links."""
    return TherapySession(
        date=day,
        themes=[
            {"theme": theme.pk if isinstance(theme, Theme) else theme, "intensity": intensity}
            for theme, intensity in links
        ],
    )


class SummaryTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        slugs = ("maternal-rejection", "people-pleasing", "guilt", "anxiety", "shame")
        cls.rejection, cls.pleasing, cls.guilt, cls.anxiety, cls.shame = (
            Theme.objects.get(slug=slug) for slug in slugs
        )
        cls.unknown_id = Theme.objects.order_by("-pk").first().pk + 1000

    def setUp(self):
        self.themes = theme_map()


class LinksForTests(SummaryTestCase):
    def test_links_are_ordered_strongest_first(self):
        session = session_on(
            datetime.date(2026, 5, 1), (self.guilt, 1), (self.rejection, 3), (self.anxiety, 2)
        )
        links = links_for(session, self.themes)
        self.assertEqual(
            [(link.theme, link.intensity) for link in links],
            [(self.rejection, 3), (self.anxiety, 2), (self.guilt, 1)],
        )
        self.assertEqual(
            [link.intensity_label for link in links], ["Central", "Explored", "Mentioned"]
        )

    def test_equal_intensities_follow_the_taxonomy_order(self):
        session = session_on(datetime.date(2026, 5, 1), (self.guilt, 2), (self.rejection, 2))
        links = links_for(session, self.themes)
        expected = sorted([self.guilt, self.rejection], key=lambda theme: theme.sort_order)
        self.assertEqual([link.theme for link in links], expected)

    def test_unknown_theme_ids_are_skipped(self):
        session = session_on(datetime.date(2026, 5, 1), (self.unknown_id, 3), (self.pleasing, 1))
        links = links_for(session, self.themes)
        self.assertEqual([(link.theme, link.intensity) for link in links], [(self.pleasing, 1)])

    def test_a_deleted_theme_disappears_from_an_old_session(self):
        session = session_on(datetime.date(2026, 5, 1), (self.shame, 2), (self.guilt, 1))
        self.shame.delete()
        links = links_for(session, theme_map())
        self.assertEqual([link.theme for link in links], [self.guilt])

    def test_an_archived_theme_is_still_shown(self):
        self.guilt.active = False
        self.guilt.save()
        session = session_on(datetime.date(2026, 5, 1), (self.guilt, 2))
        self.assertEqual([link.theme for link in links_for(session, theme_map())], [self.guilt])

    def test_a_session_without_themes_has_no_links(self):
        self.assertEqual(links_for(session_on(datetime.date(2026, 5, 1)), self.themes), [])
