"""Oversized integers (issue 13, item 4), and a census of every integer column.

A number past a column's range is a server error when it is written (SQLite holds 64 bits,
PostgreSQL's integer 32), or, on SQLite, a value stored that PostgreSQL could never hold.
"""

from django.apps import apps
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Max, Min

# Past PostgreSQL's integer, past SQLite's and bigint's 64 bits, negative, far past anything,
# a float's notation, and digits of another script (int() reads them).
OVERSIZED = [str(2**31), str(2**63), "-1", str(10**30), "1e9", "١٢"]

# The portable ranges (Django's documented ones: PostgreSQL's), not SQLite's wider ones.
RANGES = BaseDatabaseOperations.integer_field_ranges


def unbounded_integers() -> list[str]:
    """Every integer column holding a value outside its type's portable range, as
    "table.column: value" lines; [] when all are in range."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if f.get_internal_type() in RANGES]
        if not fields:
            continue
        bounds = model._base_manager.aggregate(
            **{f"min_{f.attname}": Min(f.attname) for f in fields},
            **{f"max_{f.attname}": Max(f.attname) for f in fields},
        )
        for field in fields:
            low, high = RANGES[field.get_internal_type()]
            extremes = {bounds[f"min_{field.attname}"], bounds[f"max_{field.attname}"]}
            for value in sorted(extremes - {None}):
                if not low <= value <= high:
                    found.append(f"{model._meta.db_table}.{field.column}: {value}")
    return found
