"""Checking records against the ledger when they are read.

``check_instance`` runs once per loaded instance, before its first encrypted value is
decrypted (``encryption.signals.record_opened``): two indexed queries, the row as stored and its
newest ledger entry. ``check_loaded`` does the same for a list of instances in two queries per
model (lists, summaries). ``check_children`` compares the rows that belong to a record (a
client's sessions, a session's addenda) with the ledger, which is how a deleted row is noticed
on its parent's page. ``remembering_matches`` spares a page that reads the same rows twice the
hashing of those already matched (never the reading of the ledger).
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections, transaction
from django.db.models import Model

from encryption.errors import RecordIntegrityError

from .digest import SIGNED_FIELDS, entry_mac, row_digest, same
from .ledger import latest_entries
from .locks import take_append_lock
from .models import Kind, RowSeal
from .specs import Spec, columns, read_rows, sealed_models, spec_of

_matched: ContextVar[dict | None] = ContextVar("integrity_matched", default=None)
ENTRY_FIELDS = (*SIGNED_FIELDS, "prev_mac", "mac")


@contextmanager
def remembering_matches():
    """For one page that may read the same rows more than once (the client page, whose
    sections are other apps'): every read is still checked against the ledger's newest entry,
    read again each time, but a row whose stored values and entry are exactly those already
    found to match in the block is not hashed again."""
    token = _matched.set({})
    try:
        yield
    finally:
        _matched.reset(token)


def _same_as_matched(seen: tuple[dict, RowSeal], row: dict, entry: RowSeal) -> bool:
    """Whether ``row`` and ``entry`` are exactly the row and entry already found to match:
    the same columns, and each value equal and of the same type (1 == True, but their digests
    differ); every field of the entry the same."""
    seen_row, seen_entry = seen
    if seen_row.keys() != row.keys():
        return False
    pairs = [(seen_row[name], row[name]) for name in row]
    pairs += [(getattr(seen_entry, name), getattr(entry, name)) for name in ENTRY_FIELDS]
    return all(type(old) is type(new) and old == new for old, new in pairs)


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
    matched = _matched.get()
    suspect = []
    for row_id in row_ids:
        row, entry = rows.get(row_id), entries.get(row_id)
        if matched is None or row is None or entry is None:
            if problem_with(label, spec, row, entry):
                suspect.append(row_id)
            continue
        # Within remembering_matches(): the same stored row under the same newest entry as
        # one already found to match gives the same digest and mac, so they are not computed
        # again. Anything that differs (a value, a column's type, any field of the entry) is
        # checked in full.
        seen = matched.get((label, row_id))
        if seen is not None and _same_as_matched(seen, row, entry):
            continue
        if problem_with(label, spec, row, entry):
            suspect.append(row_id)
        else:
            matched[(label, row_id)] = (row, entry)
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
    read.) Two queries for every child model together (more only for a great many parents),
    and a few more per child model whose rows and ledger disagree."""
    if not parents:
        return
    using = parents[0]._state.db or "default"
    parent_ids = {str(parent.pk) for parent in parents}
    # __class__, not type(): request.user is a lazy proxy of the user.
    children = [
        (model, spec)
        for model, spec in sealed_models()
        if model._meta.get_field(spec.parent.removesuffix("_id")).related_model
        is parents[0].__class__
    ]
    if not children:
        return
    live = _live_rows(children, [parent.pk for parent in parents], using)
    named: dict[str, set[str]] = {}
    for label, row_id in (
        RowSeal.objects.using(using)
        .filter(
            label__in=[model._meta.label_lower for model, _spec in children],
            parent_id__in=parent_ids,
        )
        .order_by()
        .values_list("label", "row_id")
        .distinct()
    ):
        named.setdefault(label, set()).add(row_id)
    for model, spec in children:
        label = model._meta.label_lower
        odd = live[label] ^ named.get(label, set())
        if not odd:
            continue
        with transaction.atomic(using=using):
            take_append_lock(using)  # as in _check: no write half-way while we look
            entries = latest_entries(label, odd, using=using)
            rows = read_rows(model, odd, using)
            for row_id in sorted(odd):
                entry = entries.get(row_id)
                gone = row_id not in live[label] or rows.get(row_id) is None
                if gone and entry is not None and entry.parent_id not in parent_ids:
                    continue  # moved away through the application
                problem = problem_with(label, spec, rows.get(row_id), entry)
                if problem:
                    _refuse(model, row_id, problem)


def _live_rows(children: list[tuple[type[Model], Spec]], parent_pks: list, using: str) -> dict:
    """{label: {str(pk), ...}}: the rows of each child model under the parents, in one UNION
    ALL of plain SELECTs (a few, should the parents be too many for one statement's
    parameters). Written out rather than built by the ORM, which spends several times longer
    composing a dozen querysets than the database spends answering them. Keys are read as text
    and put back into their Python form (their types may differ between models)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    limit = connection.features.max_query_params or 10_000
    per_query = max(1, limit // max(1, len(parent_pks)))
    live: dict[str, set[str]] = {model._meta.label_lower: set() for model, _spec in children}
    for start in range(0, len(children), per_query):
        batch = children[start : start + per_query]
        selects, params = [], []
        for index, (model, spec) in enumerate(batch):
            parent = model._meta.get_field(spec.parent.removesuffix("_id"))
            # Only quoted names from the models' _meta go into the text; values are parameters.
            key, table, column = (
                quote(model._meta.pk.column),
                quote(model._meta.db_table),
                quote(parent.column),
            )
            marks = ", ".join(["%s"] * len(parent_pks))
            where = f"WHERE {column} IN ({marks})"
            selects.append(f"SELECT {index}, CAST({key} AS TEXT) FROM {table} {where}")  # noqa: S608
            params += [parent.get_db_prep_value(pk, connection) for pk in parent_pks]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            found = cursor.fetchall()
        for index, pk in found:
            model = batch[index][0]
            live[model._meta.label_lower].add(str(model._meta.pk.to_python(pk)))
    return live
