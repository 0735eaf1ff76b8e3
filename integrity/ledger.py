"""Writing the integrity ledger: the only way entries are made.

After every write of a record with integrity records (``integrity_parent``), in the same
transaction as the write, ``record_rows`` reads the row back as stored and appends an entry with
its keyed digest; ``record_deleted`` appends a deletion. Writers reach these through
``integrity.records`` (model ``save``, queryset ``update`` / ``bulk_create`` / ``bulk_update``),
the ``post_delete`` signal, and ``encryption.signals.values_rewritten`` (key rotation).
"""

from collections.abc import Iterable

from django.db import IntegrityError, router, transaction
from django.db.models import Max, Model, Subquery
from django.utils import timezone

from .digest import entry_mac, row_digest
from .locks import take_append_lock
from .models import Kind, RowSeal
from .specs import Spec, read_rows, spec_of

GENESIS_MAC = "0" * 64
_ATTEMPTS = 5


def ledger_db() -> str:
    return router.db_for_write(RowSeal)


def record_rows(
    model: type[Model], pks: Iterable, *, using: str, spec: Spec | None = None
) -> list[RowSeal]:
    """Append the current stored state of each row (rows that no longer exist are skipped:
    their deletion was recorded by its own signal)."""
    spec = spec or spec_of(model)
    pks = list(pks)
    if spec is None or not pks:
        return []
    rows = read_rows(model, pks, using)
    label = model._meta.label_lower
    entries = []
    for row_id, row in rows.items():
        entries.append(
            {
                "label": label,
                "row_id": row_id,
                "parent_id": _text(row[spec.parent]),
                "kind": Kind.WRITE,
                "state": _text(row[spec.state]) if spec.state else "",
                "digest": row_digest(label, row),
            }
        )
    return _append(entries, using)


def record_deleted(model: type[Model], pk, parent_id, *, using: str) -> list[RowSeal]:
    entry = {
        "label": model._meta.label_lower,
        "row_id": str(pk),
        "parent_id": _text(parent_id),
        "kind": Kind.DELETE,
        "state": "",
        "digest": "",
    }
    return _append([entry], using)


def latest_entries(label: str, row_ids: Iterable[str], *, using: str) -> dict[str, RowSeal]:
    """{row_id: newest entry} for the given rows of one model."""
    row_ids = [str(row_id) for row_id in row_ids]
    found: dict[str, RowSeal] = {}
    if len(row_ids) == 1:
        entry = (
            RowSeal.objects.using(using)
            .filter(label=label, row_id=row_ids[0])
            .order_by("-seq")
            .first()
        )
        return {row_ids[0]: entry} if entry else {}
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start : start + 500]
        newest = (
            RowSeal.objects.using(using)
            .filter(label=label, row_id__in=chunk)
            .values("row_id")
            .annotate(newest=Max("seq"))
            .values("newest")
        )
        for entry in RowSeal.objects.using(using).filter(seq__in=Subquery(newest)):
            found[entry.row_id] = entry
    return found


def _text(value) -> str:
    return "" if value is None else str(value)


def _append(entries: list[dict], using: str) -> list[RowSeal]:
    attempts_left = _ATTEMPTS
    while True:
        try:
            return _append_once(entries, using)
        except IntegrityError:  # a writer that bypassed the lock took the seq: read again
            attempts_left -= 1
            if not attempts_left:
                raise


def _append_once(entries: list[dict], using: str) -> list[RowSeal]:
    with transaction.atomic(using=using):
        take_append_lock(using)
        last = RowSeal.objects.using(using).order_by("-seq").values("seq", "mac").first()
        seq, prev_mac = (last["seq"], last["mac"]) if last else (0, GENESIS_MAC)
        versions = _row_versions(entries, using)
        now = timezone.now()
        made = []
        for values in entries:
            key = (values["label"], values["row_id"])
            versions[key] = versions.get(key, 0) + 1
            seq += 1
            entry = RowSeal(seq=seq, at=now, row_version=versions[key], prev_mac=prev_mac, **values)
            entry.mac = entry_mac(vars(entry), prev_mac)
            prev_mac = entry.mac
            made.append(entry)
        RowSeal.objects.using(using).bulk_create(made)
    return made


def _row_versions(entries: list[dict], using: str) -> dict[tuple[str, str], int]:
    if len(entries) == 1:  # the common case, one indexed query
        label, row_id = entries[0]["label"], entries[0]["row_id"]
        newest = (
            RowSeal.objects.using(using)
            .filter(label=label, row_id=row_id)
            .order_by("-seq")
            .values_list("row_version", flat=True)
            .first()
        )
        return {(label, row_id): newest} if newest else {}
    versions: dict[tuple[str, str], int] = {}
    by_label: dict[str, list[str]] = {}
    for values in entries:
        by_label.setdefault(values["label"], []).append(values["row_id"])
    for label, row_ids in by_label.items():
        for row_id, entry in latest_entries(label, row_ids, using=using).items():
            versions[(label, row_id)] = entry.row_version
    return versions
