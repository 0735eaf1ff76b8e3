"""Which records carry integrity records, and how to read one row's stored state.

A model takes part by declaring ``integrity_parent`` (the attribute name of the foreign key that
says whose record it is, e.g. ``"client_id"``) and optionally ``integrity_state`` (a plain
column whose change is worth naming, e.g. a session's ``"status"``). Migrations pass a
``Spec`` explicitly, because historical models carry no such attributes.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model


@dataclass(frozen=True)
class Spec:
    parent: str
    state: str = ""


def spec_of(model: type[Model]) -> Spec | None:
    parent = getattr(model, "integrity_parent", None)
    if parent is None:
        return None
    return Spec(parent=parent, state=getattr(model, "integrity_state", ""))


def sealed_models() -> list[tuple[type[Model], Spec]]:
    """Every model with integrity records, in a stable order."""
    found = [(model, spec_of(model)) for model in apps.get_models()]
    return sorted(
        ((model, spec) for model, spec in found if spec is not None),
        key=lambda item: item[0]._meta.label_lower,
    )


def columns(model: type[Model]) -> list[str]:
    """The stored columns a row's digest covers: all of them, by attribute name."""
    return sorted(field.attname for field in model._meta.concrete_fields)


def read_rows(model: type[Model], pks, using: str) -> dict[str, dict]:
    """{str(pk): {attname: stored value}} for the rows that exist; encrypted values as the
    stored bytes (never decrypted)."""
    names = columns(model)
    rows = model._base_manager.using(using).filter(pk__in=list(pks)).values_list(*names)
    pk_index = names.index(model._meta.pk.attname)
    return {str(row[pk_index]): dict(zip(names, row, strict=True)) for row in rows}
