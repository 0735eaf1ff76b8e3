"""The appointment a note follows (``TherapySession.appointment``), at most one note each.

Forwards, SQLite adds the nullable column with ALTER TABLE, which keeps the table's triggers.
Backwards, removing a foreign key makes SQLite rebuild the table, which drops them: the
signed-note trigger of 0005 is put back last, so going back (or back and forth again, as the
migration tests do) never leaves signed notes unlocked.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from integrity.migration_ops import renew_records

_dismissed = importlib.import_module("sessions.migrations.0005_dismissed_themes")
# Only SQLite loses the trigger; on PostgreSQL it survives the column's removal.
put_back_trigger = _dismissed._run(
    {"sqlite": [*_dismissed.SQLITE_DROP, *_dismissed.SQLITE_CREATE], "postgresql": []}
)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("clients", "0003_client_numbering"),
        ("therapy_sessions", "0005_dismissed_themes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("integrity", "0003_bind_and_seal"),
    ]

    operations = [
        # Runs last when going backwards, after the rebuild.
        migrations.RunPython(migrations.RunPython.noop, put_back_trigger),
        migrations.AddField(
            model_name="therapysession",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="notes",
                to="appointments.appointment",
            ),
        ),
        migrations.AddConstraint(
            model_name="therapysession",
            constraint=models.UniqueConstraint(
                condition=models.Q(("appointment__isnull", False)),
                fields=("appointment",),
                name="one_note_per_appointment",
            ),
        ),
        # A new column changes every note's row digest: each row gets a ledger entry as it is now.
        renew_records("therapy_sessions", "TherapySession"),
    ]
