from django.db import migrations


def load_built_in_themes(apps, schema_editor):
    from themes.taxonomy import BUILT_IN_THEMES

    Theme = apps.get_model("themes", "Theme")
    for order, (slug, name, category, description) in enumerate(BUILT_IN_THEMES):
        Theme.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "description": description,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("themes", "0001_initial")]

    operations = [migrations.RunPython(load_built_in_themes, migrations.RunPython.noop)]
