"""Checking records against the ledger when they are read.

``check_instance`` runs once per loaded instance, before its first encrypted value is
decrypted (``encryption.signals.record_opened``): two indexed queries, the row as stored and its
newest ledger entry. ``check_loaded`` does the same for a list of instances in two queries per
model (lists, summaries). ``check_children`` compares the rows that belong to a record (a
client's sessions, a session's addenda) with the ledger, which is how a deleted row is noticed
on its parent's page.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model

from encryption.errors import RecordIntegrityError

from .digest import entry_mac, row_digest, same
from .ledger import latest_entries
from .locks import take_append_lock
from .models import Kind, RowSeal
from .specs import Spec, columns, read_rows, sealed_models, spec_of


def problem_with(label: str, spec: Spec, row: dict | None, entry: RowSeal | None) -> str:
    """What is wrong with one stored row against its newest ledger entry ("" if nothing)."""
    if entry is not None and not same(entry.mac, entry_mac(vars(entry), entry.prev_mac)):
        return "its integrity record was forged or edited"
    if row is None:
        if entry is not None and entry.kind == Kind.WRITE:
            return "deleted outside the application"
        return ""
    if entry is None:
        return "inserted outside the application (it has no integrity record)"
    if entry.kind == Kind.DELETE:
        return "restored after it was erased or deleted"
    parent = "" if row[spec.parent] is None else str(row[spec.parent])
    if parent != entry.parent_id:
        return f"moved to another {spec.parent.removesuffix('_id')}"
    if spec.state and entry.state == "signed" and str(row[spec.state]) != "signed":
        return "unsigned (its signature was removed)"
    if not same(entry.digest, row_digest(label, row)):
        return "changed outside the application"
    return ""


def _refuse(model: type[Model], row_id: str, problem: str) -> None:
    error = RecordIntegrityError(
        f"{model._meta.label} row {row_id} does not match its integrity record: {problem}."
    )
    error.model, error.field_name, error.row_id = model, None, row_id
    error.problem = problem
    raise error


def check_loaded(instances: Iterable[Model], *, as_loaded: bool = False) -> None:
    """Check loaded instances (of any models) in a few queries; mark them checked.

    ``as_loaded``: the instances come straight from the database, unchanged (a queryset that
    has just been evaluated), so their stored values are hashed as they are, with no second
    read of the rows."""
    by_model: dict[type[Model], list[Model]] = {}
    for instance in instances:
        if instance.__dict__.get("_record_opened") or instance._state.adding:
            continue
        by_model.setdefault(type(instance), []).append(instance)
    for model, group in by_model.items():
        spec = spec_of(model)
        if spec is not None:
            row_ids = [str(instance.pk) for instance in group]
            rows = _as_loaded(model, group) if as_loaded else None
            _check(model, spec, row_ids, group[0]._state.db or "default", rows)
        for instance in group:
            instance.__dict__["_record_opened"] = True


def _as_loaded(model: type[Model], group: list[Model]) -> dict[str, dict] | None:
    names = columns(model)
    if any(name not in instance.__dict__ for instance in group for name in names):
        return None  # deferred fields: read the rows
    return {
        str(instance.pk): {name: instance.__dict__[name] for name in names} for instance in group
    }


def check_instance(instance: Model) -> None:
    spec = spec_of(type(instance))
    if spec is None or instance._state.adding or instance.pk is None:
        return
    _check(type(instance), spec, [str(instance.pk)], instance._state.db or "default")


def check_rows(model: type[Model], pks: Iterable, *, using: str = "default") -> None:
    """Check rows that are read without model instances (``values_list`` and
    ``encryption.bulk.decrypt_values``: search, theme pages), in two queries."""
    spec = spec_of(model)
    row_ids = [str(pk) for pk in pks]
    if spec is not None and row_ids:
        for start in range(0, len(row_ids), 2000):
            _check(model, spec, row_ids[start : start + 2000], using)


def _check(
    model: type[Model], spec: Spec, row_ids: list[str], using: str, rows: dict | None = None
) -> None:
    label = model._meta.label_lower
    if rows is None:
        rows = read_rows(model, row_ids, using)
    entries = latest_entries(label, row_ids, using=using)
    suspect = [
        row_id
        for row_id in row_ids
        if problem_with(label, spec, rows.get(row_id), entries.get(row_id))
    ]
    if not suspect:
        return
    # A write may have committed between reading the rows and reading the ledger (or after the
    # instances were loaded). Look again, holding the append lock every writer takes before it
    # writes: no write is then half-way, and none starts until the check is done.
    with transaction.atomic(using=using):
        take_append_lock(using)
        rows = read_rows(model, suspect, using)
        entries = latest_entries(label, suspect, using=using)
        for row_id in suspect:
            problem = problem_with(label, spec, rows.get(row_id), entries.get(row_id))
            if problem:
                _refuse(model, row_id, problem)


def check_children(*parents: Model) -> None:
    """The rows that name one of ``parents`` (all of one model) as theirs must be those the
    ledger says are: a row the ledger knows under a parent that is gone, or a row under it the
    ledger does not place there, is refused. (Rows in both are checked in full when they are
    read.) A few queries per child model, however many parents."""
    if not parents:
        return
    using = parents[0]._state.db or "default"
    parent_ids = {str(parent.pk) for parent in parents}
    for model, spec in sealed_models():
        field = model._meta.get_field(spec.parent.removesuffix("_id"))
        # __class__, not type(): request.user is a lazy proxy of the user.
        if field.related_model is not parents[0].__class__:
            continue
        label = model._meta.label_lower
        live_rows = (
            model._base_manager.using(using)
            .filter(**{f"{spec.parent}__in": [parent.pk for parent in parents]})
            .values_list("pk", spec.parent)
        )
        live = {str(pk): str(parent) for pk, parent in live_rows}
        named = dict(
            RowSeal.objects.using(using)
            .filter(label=label, parent_id__in=parent_ids)
            .values_list("row_id", "parent_id")
            .distinct()
        )
        odd = set(live) ^ set(named)
        if not odd:
            continue
        with transaction.atomic(using=using):
            take_append_lock(using)  # as in _check: no write half-way while we look
            entries = latest_entries(label, odd, using=using)
            rows = read_rows(model, odd, using)
            for row_id in sorted(odd):
                entry = entries.get(row_id)
                gone = row_id not in live or rows.get(row_id) is None
                if gone and entry is not None and entry.parent_id not in parent_ids:
                    continue  # moved away through the application
                problem = problem_with(label, spec, rows.get(row_id), entry)
                if problem:
                    _refuse(model, row_id, problem)
