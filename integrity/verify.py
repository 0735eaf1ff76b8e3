"""Checking the whole database against the integrity ledger (``manage.py verify_records``).

Two passes: the ledger's own chain, in seq order (every mac, every link, no gap, each row's
entries numbered 1, 2, 3 ...), keeping each row's newest entry and the digests it had before;
then every table with integrity records, row by row, against those newest entries. What is
found is named by table, row and kind of change.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from .check import problem_with
from .digest import entry_mac, row_digest, same
from .ledger import GENESIS_MAC, ledger_db
from .models import RowSeal
from .specs import columns, sealed_models

CHUNK = 2000


@dataclass
class Finding:
    table: str
    row_id: str
    kind: str

    def line(self) -> str:
        return f"{self.table} row {self.row_id}: {self.kind}"


@dataclass
class Report:
    entries: int = 0
    rows: int = 0
    chain_break: str = ""
    findings: list[Finding] = field(default_factory=list)
    head_seq: int | None = None
    head_mac: str = ""

    @property
    def ok(self) -> bool:
        return not self.chain_break and not self.findings


def count_work(using: str | None = None) -> int:
    using = using or ledger_db()
    total = RowSeal.objects.using(using).count()
    for model, _spec in sealed_models():
        total += model._base_manager.using(using).count()
    return total


def verify(
    using: str | None = None,
    progress: Callable[[int], None] | None = None,
    expected_head: tuple[int, str] | None = None,
) -> Report:
    """``expected_head``: a (seq, mac prefix) printed earlier, which must still be there."""
    using = using or ledger_db()
    report = Report()
    tick = progress or (lambda n: None)
    newest, history = _walk_chain(using, report, tick, expected_head)
    for model, spec in sealed_models():
        label, table = model._meta.label_lower, model._meta.db_table
        seen = set()
        names = columns(model)
        pk_index = names.index(model._meta.pk.attname)
        rows = model._base_manager.using(using).order_by("pk").values_list(*names)
        for values in rows.iterator(chunk_size=CHUNK):
            row = dict(zip(names, values, strict=True))
            row_id = str(values[pk_index])
            seen.add(row_id)
            report.rows += 1
            tick(1)
            entry = newest.get((label, row_id))
            kind = problem_with(label, spec, row, entry)
            if kind == "changed outside the application":
                earlier = history.get((label, row_id), {})
                version = earlier.get(row_digest(label, row))
                if version is not None:
                    kind = f"rolled back to an earlier version ({version} of {entry.row_version})"
            if kind:
                report.findings.append(Finding(table, row_id, kind))
        for (entry_label, row_id), entry in newest.items():
            if entry_label == label and row_id not in seen:
                kind = problem_with(label, spec, None, entry)
                if kind:
                    report.findings.append(Finding(table, row_id, kind))
    return report


def _walk_chain(using, report, tick, expected_head):
    newest: dict[tuple[str, str], RowSeal] = {}
    history: dict[tuple[str, str], dict[str, int]] = {}
    previous, head_seen = None, expected_head is None
    entries = RowSeal.objects.using(using).order_by("seq").iterator(chunk_size=CHUNK)
    for entry in entries:
        tick(1)
        if not report.chain_break:
            report.chain_break = _link_problem(entry, previous, newest)
            if report.chain_break:
                report.chain_break = f"ledger entry seq {entry.seq}: {report.chain_break}"
        if expected_head and entry.seq == expected_head[0]:
            head_seen = entry.mac.startswith(expected_head[1].lower())
            if not head_seen and not report.chain_break:
                report.chain_break = (
                    f"ledger entry seq {entry.seq}: mac differs from the head recorded earlier"
                )
        key = (entry.label, entry.row_id)
        before = newest.get(key)
        if before is not None and before.digest:
            history.setdefault(key, {})[before.digest] = before.row_version
        newest[key] = entry
        previous = entry
        report.entries += 1
    if previous is not None:
        report.head_seq, report.head_mac = previous.seq, previous.mac
    if not head_seen and not report.chain_break:
        report.chain_break = (
            f"the recorded head seq {expected_head[0]} is missing (the newest entries were deleted)"
        )
    return newest, history


def _link_problem(entry: RowSeal, previous: RowSeal | None, newest: dict) -> str:
    expected_seq = previous.seq + 1 if previous else 1
    if entry.seq != expected_seq:
        return f"gap in seq: expected {expected_seq}, found {entry.seq} (entries deleted)"
    if not same(entry.prev_mac, previous.mac if previous else GENESIS_MAC):
        return "previous-link mismatch (an entry was replaced, or comes from another ledger)"
    if not same(entry.mac, entry_mac(vars(entry), entry.prev_mac)):
        return "mac mismatch (entry edited, or inserted without the key)"
    before = newest.get((entry.label, entry.row_id))
    expected_version = before.row_version + 1 if before else 1
    if entry.row_version != expected_version:
        return (
            f"row {entry.row_id} jumps from version {expected_version - 1} to "
            f"{entry.row_version} (its entries were deleted)"
        )
    return ""
