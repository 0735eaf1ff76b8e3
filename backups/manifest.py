"""What a backup claims to hold, and the comparison a restore makes against it.

A database's state is read the same way at backup time (from the snapshot that is copied) and
after a restore (from the restored database): every table's rows in primary-key order, each
row reduced to the SHA-256 of its stored bytes. The manifest keeps, per table, the column names,
the row count, the list of (primary key, row hash) and a digest over that list, so a restore can
say which row of which table differs, not only that something does. It also keeps the trigger
names, how many encrypted values each key id protects (headers only: no key is needed to make a
backup) and the audit log's newest entry.
"""

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from encryption.envelope import key_id_of
from encryption.rotation import encrypted_models

from .errors import BackupError

FORMAT = "therapy-notes-backup"
FORMAT_VERSION = 1
AUDIT_TABLE = "audit_auditevent"
# Sign-in sessions are bearer credentials: a backup leaves their rows out (everyone signs in
# again after a restore). Search snapshots and build leases are a cache (docs/search.md): a
# sealed copy of every note's text has no place in a backup, and is rebuilt on demand. The
# tables themselves are kept.
EXCLUDED_TABLE_DATA = ("django_session", "search_searchsnapshot", "search_searchbuildlease")


@dataclass
class TableState:
    columns: list[str]
    primary_key: list[str]
    rows: list[tuple[str, str]] = field(default_factory=list)  # (primary key text, row sha256)

    @property
    def digest(self) -> str:
        hasher = hashlib.sha256()
        for _, row_hash in self.rows:
            hasher.update(bytes.fromhex(row_hash))
        return hasher.hexdigest()


@dataclass
class DatabaseState:
    tables: dict[str, TableState]
    triggers: list[str]
    encrypted_values: dict[str, dict[str, int]]  # "app.Model.field" -> {key id: values}
    audit_head: tuple[int, str] | None

    @property
    def row_count(self) -> int:
        return sum(len(table.rows) for table in self.tables.values())

    def key_ids(self) -> set[int]:
        return {int(key_id) for counts in self.encrypted_values.values() for key_id in counts}


def encrypted_columns() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(table, pk column, [(field name, column)]) for every model with encrypted fields."""
    return [
        (
            model._meta.db_table,
            model._meta.pk.column,
            [(f"{model._meta.label}.{f.name}", f.column) for f in fields],
        )
        for model, fields in encrypted_models()
    ]


def census(cursor, quote) -> dict[str, dict[str, int]]:
    """Values per key id, field by field, read from the stored headers through a DB-API cursor."""
    result = {}
    for table, _, columns in encrypted_columns():
        counters = [Counter() for _ in columns]
        cursor.execute(
            f"SELECT {', '.join(quote(column) for _, column in columns)} FROM {quote(table)}"  # noqa: S608
        )
        for row in cursor.fetchall():
            for counter, blob in zip(counters, row, strict=True):
                if blob is not None:
                    counter[str(key_id_of(bytes(blob)))] += 1
        for (name, _), counter in zip(columns, counters, strict=True):
            result[name] = dict(sorted(counter.items()))
    return result


def audit_head(cursor, quote) -> tuple[int, str] | None:
    cursor.execute(f"SELECT seq, mac FROM {quote(AUDIT_TABLE)} ORDER BY seq DESC LIMIT 1")  # noqa: S608
    row = cursor.fetchone()
    if row is None:
        return None
    mac = row[1].decode() if isinstance(row[1], bytes) else row[1]
    return int(row[0]), mac


def build(*, engine: str, member: str, member_sha256: str, member_bytes: int, state, tools):
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "tools": tools,
        "database": {"member": member, "sha256": member_sha256, "bytes": member_bytes},
        "excluded_table_data": list(EXCLUDED_TABLE_DATA),
        "triggers": state.triggers,
        "encrypted_values": state.encrypted_values,
        "audit_head": list(state.audit_head) if state.audit_head else None,
        "tables": {
            name: {
                "columns": table.columns,
                "primary_key": table.primary_key,
                "rows": len(table.rows),
                "sha256": table.digest,
                "row_hashes": [list(row) for row in table.rows],
            }
            for name, table in sorted(state.tables.items())
        },
    }


def validate(manifest) -> None:
    """Refuse a manifest this code cannot read, before anything is restored."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("The file is not a Therapy Notes backup (its manifest has no format).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The backup's format version {manifest.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION})."
        )
    required = ("engine", "tools", "database", "tables", "triggers", "encrypted_values")
    for key in (*required, "audit_head"):
        if key not in manifest:
            raise BackupError(f"The backup's manifest is incomplete (no {key!r}).")


def first_difference(manifest: dict, actual: DatabaseState) -> str | None:
    """The first way the restored database differs from the manifest, in words, or None."""
    expected_tables = manifest["tables"]
    for name in sorted(set(expected_tables) | set(actual.tables)):
        if name not in actual.tables:
            return f"table {name} is in the manifest but not in the database copy"
        if name not in expected_tables:
            return f"table {name} is in the database copy but not in the manifest"
        problem = _table_difference(expected_tables[name], actual.tables[name])
        if problem:
            return f"table {name}: {problem}"
    if sorted(manifest["triggers"]) != sorted(actual.triggers):
        missing = sorted(set(manifest["triggers"]) - set(actual.triggers))
        return f"triggers differ from the manifest (missing: {', '.join(missing) or 'none'})"
    if manifest["encrypted_values"] != actual.encrypted_values:
        return "the number of encrypted values per key id differs from the manifest"
    head = tuple(manifest["audit_head"]) if manifest["audit_head"] else None
    if head != actual.audit_head:
        return "the newest audit log entry differs from the manifest"
    return None


def _table_difference(expected: dict, actual: TableState) -> str | None:
    if expected["columns"] != actual.columns:
        return "its columns differ from the manifest"
    expected_rows = [tuple(row) for row in expected["row_hashes"]]
    if (
        expected_rows == actual.rows
        and expected["rows"] == len(actual.rows)
        and expected["sha256"] == actual.digest
    ):
        return None
    key = ",".join(actual.primary_key) or "row"
    restored = dict(actual.rows)
    for pk, row_hash in expected_rows:
        if pk not in restored:
            return f"row {key}={pk} is missing"
        if restored[pk] != row_hash:
            return f"row {key}={pk} differs from the manifest"
    listed = dict(expected_rows)
    for pk, _ in actual.rows:
        if pk not in listed:
            return f"row {key}={pk} is not in the manifest"
    if expected["rows"] != len(actual.rows):
        return f"{len(actual.rows)} rows, the manifest says {expected['rows']}"
    return "its digest differs from the manifest"
