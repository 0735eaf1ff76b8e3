"""Reading a session's encrypted theme links, counting recurring themes, and the built-in
taxonomy that the data migration loads."""

import datetime

from django.test import TestCase

from sessions.models import TherapySession
from themes.models import Category, Theme
from themes.summary import links_for, theme_map
from themes.taxonomy import BUILT_IN_THEMES


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


class BuiltInTaxonomyTests(TestCase):
    def test_the_migration_loaded_every_theme_of_the_taxonomy(self):
        loaded = {
            theme.slug: (theme.name, theme.category, theme.description)
            for theme in Theme.objects.all()
        }
        for slug, name, category, description in BUILT_IN_THEMES:
            with self.subTest(slug=slug):
                self.assertEqual(loaded.get(slug), (name, category, description))

    def test_the_taxonomy_is_loaded_in_its_own_order_and_active(self):
        slugs = [slug for slug, *_ in BUILT_IN_THEMES]
        built_in = Theme.objects.filter(slug__in=slugs)
        self.assertEqual(built_in.count(), len(slugs))
        self.assertEqual([theme.slug for theme in built_in.order_by("sort_order", "name")], slugs)
        self.assertTrue(all(theme.active for theme in built_in))

    def test_every_category_has_themes(self):
        used = set(Theme.objects.values_list("category", flat=True))
        self.assertEqual(used, set(Category.values))

    def test_the_themes_from_the_domain_brief_are_present(self):
        for slug in ("maternal-rejection", "people-pleasing", "re-enactment", "suicidal-thoughts"):
            with self.subTest(slug=slug):
                self.assertTrue(Theme.objects.filter(slug=slug, active=True).exists())
        self.assertEqual(Theme.objects.get(slug="suicidal-thoughts").category, Category.RISK)
        self.assertEqual(Theme.objects.get(slug="re-enactment").category, Category.THERAPY_PROCESS)

    def test_every_theme_has_a_description_that_fits_its_column(self):
        max_length = Theme._meta.get_field("description").max_length
        for slug, name, _category, description in BUILT_IN_THEMES:
            with self.subTest(slug=slug):
                self.assertTrue(description.strip())
                self.assertLessEqual(len(description), max_length)
                self.assertLessEqual(len(name), Theme._meta.get_field("name").max_length)

    def test_slugs_and_names_are_unique(self):
        slugs = [slug for slug, *_ in BUILT_IN_THEMES]
        names = [name for _, name, *_ in BUILT_IN_THEMES]
        self.assertEqual(len(set(slugs)), len(slugs))
        self.assertEqual(len(set(names)), len(names))
