"""For migrations that write to tables with integrity records.

Historical models (``apps.get_model`` in a migration) carry no ``integrity_parent``, so their
writes add nothing to the ledger, and a migration that changes a sealed table's columns (an
added column changes every row's digest) leaves rows that no longer match their newest entry:
``verify_records`` and the pages would report them as changed outside the application. Such a
migration ends with ``renew_records("app_label", "ModelName")``, which appends a ledger entry
for every row of the table as it now is. The entry says only that the row was written: what the
migration changed is in the migration itself.
"""

from django.apps import apps as live_apps
from django.db import migrations

from . import ledger
from .specs import spec_of

BATCH = 1000


def renew_records(app_label: str, model_name: str) -> migrations.RunPython:
    def renew(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        spec = spec_of(live_apps.get_model(app_label, model_name))
        using = schema_editor.connection.alias
        pks = list(model._base_manager.using(using).values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            ledger.record_rows(model, pks[start : start + BATCH], using=using, spec=spec)

    return migrations.RunPython(renew, migrations.RunPython.noop)
