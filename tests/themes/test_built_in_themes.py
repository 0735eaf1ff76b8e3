"""The built-in themes: migration 0004 loads every table of themes/data/themes.toml, gives the
same result when run again, renames in place (same id), never deletes a theme, and never takes
or rewrites a therapist's own theme."""

import ast
import importlib
import json
import tempfile
import tomllib
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import SimpleTestCase, TestCase

from tests.base import make_therapist
from themes.forms import unique_custom_slug
from themes.models import Category, Theme

MIGRATION = "0004_sync_built_in_themes"
sync = importlib.import_module(f"themes.migrations.{MIGRATION}")
frozen = importlib.import_module("themes.migrations.0002_built_in_themes")
THEMES_TOML = Path(__file__).resolve().parents[2] / "themes" / "data" / "themes.toml"
KEYS = ("name", "category", "description")
FIELDS = ("id", "slug", "name", "category", "description", "sort_order", "active", "owner_id")


def file_tables() -> dict[str, dict]:
    with open(THEMES_TOML, "rb") as file:
        return tomllib.load(file)


def write_toml(directory: str, tables: dict[str, dict]) -> Path:
    """A themes.toml with the given tables (name, category, description only)."""
    path = Path(directory) / "themes.toml"
    # A JSON string is a valid TOML basic string (same escapes, \\uXXXX included).
    path.write_text(
        "".join(
            f"[{slug}]\n" + "".join(f"{key} = {json.dumps(t[key])}\n" for key in KEYS if key in t)
            for slug, t in tables.items()
        ),
        encoding="utf-8",
    )
    return path


def run_sync(source: Path = THEMES_TOML) -> None:
    """The migration's function, with the models as they were at that migration."""
    state = MigrationLoader(connection).project_state(("themes", MIGRATION))
    sync.sync_built_in_themes(state.apps, None, source=source)


def snapshot() -> list[tuple]:
    return list(Theme.objects.order_by("id").values_list(*FIELDS))


class SyncMigrationTests(TestCase):
    def test_the_migrated_database_has_every_table_of_the_file_in_its_order(self):
        tables = file_tables()
        built_in = {t.slug: t for t in Theme.objects.filter(owner__isnull=True)}
        self.assertEqual(len([slug for slug in tables if slug in built_in]), len(tables))
        for position, (slug, table) in enumerate(tables.items()):
            with self.subTest(slug=slug):
                theme = built_in[slug]
                self.assertEqual(
                    (theme.name, theme.category, theme.description, theme.sort_order),
                    (table["name"], table["category"], table["description"], position),
                )
                self.assertTrue(theme.active)
        # Only built-ins of the first taxonomy that have since left the file may be extra.
        first_taxonomy = {slug for slug, *_ in frozen.BUILT_IN_THEMES}
        self.assertLessEqual(set(built_in) - set(tables), first_taxonomy)

    def test_running_it_again_changes_nothing(self):
        before = snapshot()
        run_sync()
        self.assertEqual(snapshot(), before)

    def test_it_puts_back_what_was_changed_in_the_database(self):
        Theme.objects.filter(slug="guilt").update(name="Changed", active=False, sort_order=999)
        self.assertEqual(Theme.objects.get(slug="guilt").name, "Changed")
        run_sync()
        guilt = Theme.objects.get(slug="guilt")
        position = list(file_tables()).index("guilt")
        # Name and order come back from the file; an archived built-in stays archived.
        self.assertEqual(
            (guilt.name, guilt.active, guilt.sort_order),
            (file_tables()["guilt"]["name"], False, position),
        )

    def test_a_renamed_theme_keeps_its_id(self):
        tables = file_tables()
        ids = dict(Theme.objects.values_list("slug", "id"))
        tables["guilt"]["name"] = "Guilt and self-reproach"
        with tempfile.TemporaryDirectory() as directory:
            run_sync(write_toml(directory, tables))
        renamed = Theme.objects.get(slug="guilt")
        self.assertEqual((renamed.pk, renamed.name), (ids["guilt"], "Guilt and self-reproach"))
        self.assertEqual(dict(Theme.objects.values_list("slug", "id")), ids)

    def test_a_theme_that_left_the_file_is_kept_as_it_was(self):
        tables = file_tables()
        del tables["sleep"]
        sleep = Theme.objects.filter(slug="sleep").values_list(*FIELDS).get()
        with tempfile.TemporaryDirectory() as directory:
            run_sync(write_toml(directory, tables))
        self.assertEqual(Theme.objects.filter(slug="sleep").values_list(*FIELDS).get(), sleep)

    def test_a_new_table_becomes_a_built_in_theme_at_its_position(self):
        tables = file_tables()
        tables["test-new-theme"] = {"name": "A new one", "category": "affect", "description": ""}
        with tempfile.TemporaryDirectory() as directory:
            run_sync(write_toml(directory, tables))
        new = Theme.objects.get(slug="test-new-theme")
        self.assertEqual((new.owner, new.sort_order, new.active), (None, len(tables) - 1, True))

    def test_a_therapists_theme_with_the_same_slug_is_moved_aside_not_taken(self):
        alice = make_therapist("alice")
        # Not made through the form (it never makes such a slug): e.g. from the shell.
        own = Theme.objects.create(
            slug="sleep-hygiene", name="My sleep work", category="life_areas", owner=alice
        )
        tables = file_tables()
        tables["sleep-hygiene"] = {
            "name": "Sleep hygiene",
            "category": "life_areas",
            "description": "Habits around sleep.",
        }
        with tempfile.TemporaryDirectory() as directory:
            run_sync(write_toml(directory, tables))
        own.refresh_from_db()
        self.assertEqual(
            (own.name, own.owner, own.slug), ("My sleep work", alice, f"u{alice.pk}-sleep-hygiene")
        )
        built_in = Theme.objects.get(slug="sleep-hygiene")
        self.assertEqual((built_in.owner, built_in.name), (None, "Sleep hygiene"))
        self.assertNotEqual(built_in.pk, own.pk)

    def test_a_slug_shaped_like_a_therapists_own_is_refused(self):
        alice = make_therapist("alice")
        made_by_the_form = unique_custom_slug(alice, "Rivalry")
        self.assertRegex(made_by_the_form, sync.CUSTOM_SLUG)
        self.assertIsNone(sync.CUSTOM_SLUG.match("maternal-rejection"))
        tables = {made_by_the_form: {"name": "Rivalry", "category": "affect", "description": ""}}
        with (
            tempfile.TemporaryDirectory() as directory,
            self.assertRaisesRegex(ValueError, made_by_the_form),
        ):
            run_sync(write_toml(directory, tables))
        self.assertFalse(Theme.objects.filter(slug=made_by_the_form).exists())

    def test_a_table_without_a_name_stops_the_migration_naming_the_table(self):
        tables = {"test-nameless": {"category": "affect", "description": "No name."}}
        with (
            tempfile.TemporaryDirectory() as directory,
            self.assertRaisesRegex(ValueError, r"\[test-nameless\]: name"),
        ):
            run_sync(write_toml(directory, tables))


class MigrationsImportNoAppCodeTests(SimpleTestCase):
    @staticmethod
    def imported_modules(source: str) -> set[str]:
        tree = ast.parse(source)
        names = {
            alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
        }
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        return {name.split(".")[0] for name in names}

    def test_the_theme_data_migrations_import_only_the_standard_library_and_django(self):
        allowed = {"ast", "django", "json", "pathlib", "re", "tomllib"}
        for module in (sync, frozen):
            with self.subTest(module=module.__name__):
                source = Path(module.__file__).read_text(encoding="utf-8")
                self.assertLessEqual(self.imported_modules(source), allowed)
        # The check sees an import of app code.
        self.assertIn("themes", self.imported_modules("from themes.lexicon import load"))


class BuiltInTaxonomyTests(TestCase):
    """The data file itself, as the taxonomy page shows it."""

    def test_every_category_has_themes(self):
        used = set(Theme.objects.filter(owner__isnull=True).values_list("category", flat=True))
        self.assertEqual(used, set(Category.values))

    def test_the_themes_from_the_domain_brief_are_present(self):
        for slug in ("maternal-rejection", "people-pleasing", "re-enactment", "suicidal-thoughts"):
            with self.subTest(slug=slug):
                self.assertTrue(Theme.objects.filter(slug=slug, active=True).exists())
        self.assertEqual(Theme.objects.get(slug="suicidal-thoughts").category, Category.RISK)
        self.assertEqual(Theme.objects.get(slug="re-enactment").category, Category.THERAPY_PROCESS)

    def test_every_theme_has_a_description_and_fits_its_columns(self):
        name_max = Theme._meta.get_field("name").max_length
        description_max = Theme._meta.get_field("description").max_length
        for slug, table in file_tables().items():
            with self.subTest(slug=slug):
                self.assertTrue(table["description"].strip())
                self.assertLessEqual(len(table["description"]), description_max)
                self.assertLessEqual(len(table["name"]), name_max)
                self.assertIn(table["category"], Category.values)

    def test_names_are_unique(self):
        names = [table["name"].casefold() for table in file_tables().values()]
        self.assertEqual(len(set(names)), len(names))


class FrozenTaxonomyTests(TestCase):
    def test_an_unknown_category_stops_the_migration_naming_the_table(self):
        tables = file_tables()
        tables["guilt"]["category"] = "feelings"
        refused = self.assertRaisesMessage(ValueError, "[guilt]: unknown category 'feelings'")
        with tempfile.TemporaryDirectory() as directory, refused:
            run_sync(write_toml(directory, tables))
        self.assertEqual(Theme.objects.get(slug="guilt").category, "affect")

    def test_the_migrations_categories_are_the_models_and_the_lexicons(self):
        from themes import lexicon

        self.assertEqual(sync.CATEGORIES, tuple(Category.values))
        self.assertEqual(lexicon.CATEGORIES, tuple(Category.values))

    def test_a_new_built_in_theme_is_created_active(self):
        tables = file_tables()
        tables["a-new-theme"] = {"name": "A new theme", "category": "affect", "description": "x."}
        with tempfile.TemporaryDirectory() as directory:
            run_sync(write_toml(directory, tables))
        self.assertTrue(Theme.objects.get(slug="a-new-theme").active)
