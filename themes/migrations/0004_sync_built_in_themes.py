"""The built-in themes follow themes/data/themes.toml; a new category, "health".

The file is read with tomllib directly: a migration must not import app code, which keeps
changing while the migration stays as it was written. For each table of the file, in order, the
built-in theme (no owner) with that slug is created or updated: name, category, description,
sort order (its position in the file) and active. A built-in that has left the file keeps its
row as it is: sessions link to themes by id, so nothing is ever deleted here.

After a later change to the file, a new migration copies ``sync_built_in_themes`` and the
constants it uses (a copy, not an import: each migration keeps the code it ran with).
"""

import re
import tomllib
from pathlib import Path

from django.db import migrations, models

THEMES_TOML = Path(__file__).resolve().parent.parent / "data" / "themes.toml"
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
        fields = {"sort_order": order, "active": True}
        for key in ("name", "category", "description"):
            value, field = table.get(key, ""), Theme._meta.get_field(key)
            if (
                not isinstance(value, str)
                or len(value) > field.max_length
                or not (value.strip() or field.blank)
            ):
                raise ValueError(f"{source.name} [{slug}]: {key} is missing, or too long.")
            fields[key] = value
        squatter = Theme.objects.filter(slug=slug, owner__isnull=False).first()
        if squatter is not None:
            # A therapist's theme given this slug by hand (the form never makes such a slug):
            # it moves to a free slug of its owner's. Sessions link by id and keep it.
            base, counter = f"u{squatter.owner_id}-{slug}"[:55], 2
            squatter.slug = base
            while Theme.objects.filter(slug=squatter.slug).exists():
                squatter.slug, counter = f"{base}-{counter}", counter + 1
            squatter.save(update_fields=["slug"])
        Theme.objects.update_or_create(slug=slug, owner=None, defaults=fields)


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
