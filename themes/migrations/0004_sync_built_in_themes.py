"""The built-in themes of themes/data/themes.toml as of this migration; a new category,
"health".

The taxonomy is read with tomllib from a frozen copy beside this migration
(data/0004_built_in_themes.toml): a migration must not import app code or read files that keep
changing, since a fresh install runs it years later. For each table, in order, the built-in
theme (no owner) with that slug is created or updated: name, category, description and sort
order (its position); a new one is created active, an existing one keeps whether a practice
archived it. A built-in that has left the file keeps its row as it is: sessions link to themes
by id, so nothing is ever deleted here.

After a later change to the names, categories or descriptions in themes.toml, a new migration
copies ``sync_built_in_themes`` with a new frozen copy (a copy, not an import: each migration
keeps the code and data it ran with); tests/themes/test_built_in_themes.py asks for it.
"""

import re
import tomllib
from pathlib import Path

from django.db import migrations, models

THEMES_TOML = Path(__file__).resolve().parent / "data" / "0004_built_in_themes.toml"
CATEGORIES = (
    "attachment",
    "self_concept",
    "relational",
    "coping",
    "affect",
    "risk",
    "health",
    "life_areas",
    "therapy_process",
)
# Slugs of therapists' own themes: "u<owner id>-<name>" (themes/forms.py, unique_custom_slug).
CUSTOM_SLUG = re.compile(r"^u\d+-")


def sync_built_in_themes(apps, schema_editor, source: Path = THEMES_TOML) -> None:
    """Create or update the built-in theme of every table of ``source``; delete nothing."""
    Theme = apps.get_model("themes", "Theme")
    with open(source, "rb") as file:
        tables = tomllib.load(file)
    for order, (slug, table) in enumerate(tables.items()):
        if CUSTOM_SLUG.match(slug):
            # Such a slug could already be, or later become, a therapist's own theme.
            raise ValueError(f"{source.name} [{slug}]: u<number>- slugs are for custom themes.")
        fields = {"sort_order": order}
        for key in ("name", "category", "description"):
            value, field = table.get(key, ""), Theme._meta.get_field(key)
            if (
                not isinstance(value, str)
                or len(value) > field.max_length
                or not (value.strip() or field.blank)
            ):
                raise ValueError(f"{source.name} [{slug}]: {key} is missing, or too long.")
            fields[key] = value
        if fields["category"] not in CATEGORIES:
            raise ValueError(f"{source.name} [{slug}]: unknown category {fields['category']!r}.")
        squatter = Theme.objects.filter(slug=slug, owner__isnull=False).first()
        if squatter is not None:
            # A therapist's theme given this slug by hand (the form never makes such a slug):
            # it moves to a free slug of its owner's. Sessions link by id and keep it.
            base, counter = f"u{squatter.owner_id}-{slug}"[:55], 2
            squatter.slug = base
            while Theme.objects.filter(slug=squatter.slug).exists():
                squatter.slug, counter = f"{base}-{counter}", counter + 1
            squatter.save(update_fields=["slug"])
        Theme.objects.update_or_create(
            slug=slug, owner=None, defaults=fields, create_defaults={**fields, "active": True}
        )


class Migration(migrations.Migration):
    dependencies = [("themes", "0003_custom_themes")]

    operations = [
        migrations.AlterField(
            model_name="theme",
            name="category",
            field=models.CharField(
                choices=[
                    ("attachment", "Attachment and family of origin"),
                    ("self_concept", "Self-concept"),
                    ("relational", "Relational patterns"),
                    ("coping", "Coping"),
                    ("affect", "Affect"),
                    ("risk", "Risk"),
                    ("health", "Health and neurodivergence"),
                    ("life_areas", "Life areas"),
                    ("therapy_process", "Therapy process"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(sync_built_in_themes, migrations.RunPython.noop),
    ]
