import uuid

import django.db.models.deletion
from django.db import migrations, models

import encryption.fields


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
        ("themes", "0004_sync_built_in_themes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClientThemeExclusion",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "theme_ids",
                    encryption.fields.EncryptedJSONField(
                        default=list,
                        editable=False,
                        label="themes.clientthemeexclusion.theme_ids",
                    ),
                ),
                (
                    "client",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="theme_exclusion",
                        to="clients.client",
                    ),
                ),
            ],
        ),
    ]
