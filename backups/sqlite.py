"""SQLite: an online copy with SQLite's backup API, its state, and the staged restore.

The copy is made in one step of the backup API (``pages=-1``), inside one read transaction:
in WAL mode the app keeps writing meanwhile and the copy is the database as of one instant.
"""

import hashlib
import os
import sqlite3
from pathlib import Path

from .errors import BackupError
from .manifest import EXCLUDED_TABLE_DATA, DatabaseState, TableState, audit_head, census

MEMBER = "database.sqlite3"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_path(settings_dict: dict) -> Path:
    name = str(settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"The SQLite database {name!r} is not a plain file path.")
    return Path(name)


def copy_live_database(source: Path, destination: Path) -> None:
    if not source.is_file():
        raise BackupError(f"The database file {source} does not exist.")
    live = sqlite3.connect(source)
    try:
        live.execute("PRAGMA query_only = ON")
        copy = sqlite3.connect(destination)
        try:
            live.backup(copy)  # pages=-1: the whole database in one consistent step
        finally:
            copy.close()
    finally:
        live.close()
    _make_standalone(destination)


def _make_standalone(path: Path) -> None:
    """One self-contained file: no -wal, no sign-in sessions, no free pages of deleted rows."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("PRAGMA secure_delete = ON")
        tables = _tables(connection)
        for table in EXCLUDED_TABLE_DATA:
            if table in tables:
                connection.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
        connection.execute("VACUUM")
    finally:
        connection.close()


def check_integrity(path: Path) -> None:
    connection = _open_read_only(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The database copy in the backup is damaged ({exc}).") from None
    finally:
        connection.close()
    if [row[0] for row in result] != ["ok"]:
        raise BackupError(f"The database copy in the backup is damaged ({result[0][0]}).")


def read_state(path: Path) -> DatabaseState:
    connection = _open_read_only(path)
    try:
        cursor = connection.cursor()
        tables = {name: _table_state(cursor, name) for name in _tables(connection)}
        triggers = [
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            )
        ]
        connection.text_factory = bytes  # rows are hashed as stored, byte for byte
        state = DatabaseState(
            tables=tables,
            triggers=triggers,
            encrypted_values=census(cursor, quote),
            audit_head=audit_head(cursor, quote),
        )
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The database copy cannot be read ({exc}).") from None
    finally:
        connection.close()
    return state


def is_empty(path: Path) -> bool:
    """No file, an empty file, or a database without a single table, view or trigger."""
    if not path.exists() or path.stat().st_size == 0:
        return True
    connection = _open_read_only(path)
    try:
        (count,) = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        return False  # not a database we can read: certainly not ours to overwrite
    finally:
        connection.close()
    return count == 0


def install(staged: Path, target: Path) -> None:
    """Put the verified copy in place; never over a database that holds anything."""
    connection = sqlite3.connect(staged, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")  # fold any -wal back in
    finally:
        connection.close()
    os.chmod(staged, 0o600)
    if not is_empty(target):
        raise BackupError(f"The database file {target} is no longer empty; nothing was restored.")
    if target.exists():
        # An empty file left by a first connection: its -wal and -shm would not match ours.
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staged, target)
    else:
        os.link(staged, target)  # fails rather than overwrite a file created meanwhile
        staged.unlink()


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\' ORDER BY name"
    )
    return [name.decode() if isinstance(name, bytes) else name for (name,) in rows]


def _table_state(cursor: sqlite3.Cursor, table: str) -> TableState:
    info = cursor.execute(f"PRAGMA table_info({quote(table)})").fetchall()
    columns = [row[1] for row in info]
    primary_key = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
    state = TableState(columns=columns, primary_key=primary_key)
    order = ", ".join(quote(name) for name in primary_key) or "rowid"
    typed = ", ".join(f"typeof({quote(name)}), {quote(name)}" for name in columns)
    keys = ", ".join(quote(name) for name in primary_key) or "rowid"
    connection = cursor.connection
    connection.text_factory = bytes
    try:
        rows = cursor.execute(f"SELECT {keys}, {typed} FROM {quote(table)} ORDER BY {order}")  # noqa: S608
        width = len(primary_key) or 1
        for row in rows:
            state.rows.append((_key_text(row[:width]), _row_hash(row[width:])))
    finally:
        connection.text_factory = str
    return state


def _row_hash(typed_values) -> str:
    """SHA-256 of the row's stored values, each as storage class, length and bytes."""
    hasher = hashlib.sha256()
    for storage_class, value in zip(typed_values[::2], typed_values[1::2], strict=True):
        if value is None:
            data = b""
        elif isinstance(value, int):
            data = str(value).encode()
        elif isinstance(value, float):
            data = value.hex().encode()
        else:
            data = bytes(value)
        hasher.update(storage_class + b":%d:" % len(data) + data)
    return hasher.hexdigest()


def _key_text(values) -> str:
    return ",".join(
        value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        for value in values
    )
