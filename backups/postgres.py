"""PostgreSQL: ``pg_dump`` from an exported snapshot, its state, and ``pg_restore``.

The backup opens a REPEATABLE READ transaction, exports its snapshot and hands it to
``pg_dump --snapshot``; the manifest is then read in that same transaction. The dump and the
manifest therefore describe the same instant, however busy the app is meanwhile.

Rows are hashed as PostgreSQL prints them (``table::text``), with the output settings pinned
below so that the text is the same at backup and at restore.
"""

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg

from .errors import BackupError
from .manifest import EXCLUDED_TABLE_DATA, DatabaseState, TableState, audit_head, census

MEMBER = "database.pgdump"
PINNED_OUTPUT = (
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'iso_8601'",
    "SET LOCAL extra_float_digits = 3",
    "SET LOCAL bytea_output = 'hex'",
)
TOOL_TIMEOUT = 6 * 3600


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect(settings_dict: dict) -> psycopg.Connection:
    params = {
        "dbname": settings_dict["NAME"],
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "sslmode": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    try:
        return psycopg.connect(**{k: v for k, v in params.items() if v is not None})
    except psycopg.Error as exc:
        raise BackupError(f"Cannot connect to database {settings_dict['NAME']!r}: {exc}") from None


def tool_environment(settings_dict: dict) -> dict[str, str]:
    """libpq variables for pg_dump and pg_restore: the password never goes on a command line."""
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", settings_dict.get("PORT")),
        ("PGUSER", settings_dict.get("USER")),
        ("PGPASSWORD", settings_dict.get("PASSWORD")),
        ("PGSSLMODE", (settings_dict.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def tool_major(tool: str) -> int:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} is not on PATH: install the PostgreSQL client tools of the server's major "
            "version (Debian: postgresql-client-15)."
        )
    output = subprocess.run(  # noqa: S603 (the tool found on PATH, a fixed argument)
        [path, "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"(\d+)(?:\.\d+)?", output.stdout)
    if not match:
        raise BackupError(f"Cannot tell the version of {path} ({output.stdout.strip()!r}).")
    return int(match[1])


def server_major(connection: psycopg.Connection) -> int:
    return int(connection.info.server_version) // 10000


def dump(settings_dict: dict, destination: Path) -> tuple[DatabaseState, dict]:
    with connect(settings_dict) as connection:
        server, client = server_major(connection), tool_major("pg_dump")
        if server != client:
            raise BackupError(
                f"pg_dump is version {client} but the server is PostgreSQL {server}: install "
                f"the client tools of version {server}."
            )
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        (snapshot,) = connection.execute("SELECT pg_export_snapshot()").fetchone()
        command = [
            "pg_dump",
            "--format=custom",
            # Uncompressed: the stored bytes stay visible to a scan for plaintext (and
            # ciphertext does not compress anyway).
            "--compress=0",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            *(f"--exclude-table-data={table}" for table in EXCLUDED_TABLE_DATA),
            f"--file={destination}",
            settings_dict["NAME"],
        ]
        _run(command, settings_dict)
        state = read_state(connection)
        connection.rollback()
    return state, {"pg_dump": client, "server": server}


def read_state(connection: psycopg.Connection) -> DatabaseState:
    """Read inside the connection's current transaction (the backup's snapshot, or a fresh one)."""
    for statement in PINNED_OUTPUT:
        connection.execute(statement)
    cursor = connection.cursor()
    tables = {}
    for table in _tables(cursor):
        if table in EXCLUDED_TABLE_DATA:
            tables[table] = TableState(_columns(cursor, table), _primary_key(cursor, table))
        else:
            tables[table] = _table_state(connection, table)
    cursor.execute(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY t.tgname"
    )
    triggers = [name for (name,) in cursor.fetchall()]
    return DatabaseState(
        tables=tables,
        triggers=triggers,
        encrypted_values=census(cursor, quote),
        audit_head=audit_head(cursor, quote),
    )


def is_empty(settings_dict: dict) -> tuple[bool, list[str]]:
    """No table, view, sequence or function outside PostgreSQL's own schemas."""
    with connect(settings_dict) as connection:
        rows = connection.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%' "
            "UNION ALL SELECT p.proname FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1"
        ).fetchall()
    names = [name for (name,) in rows]
    return not names, names


def restore(settings_dict: dict, archive_member: Path, dumped_by: int) -> None:
    client = tool_major("pg_restore")
    if client < dumped_by:
        raise BackupError(
            f"pg_restore is version {client} but the backup was made by pg_dump {dumped_by}: "
            f"install the client tools of version {dumped_by} or newer."
        )
    _run(
        [
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={settings_dict['NAME']}",
            str(archive_member),
        ],
        settings_dict,
    )


def _run(command: list[str], settings_dict: dict) -> None:
    try:
        result = subprocess.run(  # noqa: S603 (fixed program, arguments built above)
            command,
            capture_output=True,
            text=True,
            env=tool_environment(settings_dict),
            timeout=TOOL_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not on PATH.") from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{command[0]} failed: {lines[-1] if lines else result.returncode}")


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )
    return [name for (name,) in cursor.fetchall()]


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [quote(table)],
    )
    return [name for (name,) in cursor.fetchall()]


def _primary_key(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT a.attname FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)",
        [quote(table)],
    )
    return [name for (name,) in cursor.fetchall()]


def _table_state(connection: psycopg.Connection, table: str) -> TableState:
    cursor = connection.cursor()
    state = TableState(_columns(cursor, table), _primary_key(cursor, table))
    keys = [f"t.{quote(name)}::text" for name in state.primary_key] or ["t.ctid::text"]
    order = ", ".join(f"t.{quote(name)}" for name in state.primary_key) or "t::text"
    # A server-side cursor: a large table is streamed, not loaded whole.
    with connection.cursor(name=f"backup_rows_{table}") as rows:
        rows.itersize = 5000
        rows.execute(
            f"SELECT concat_ws(',', {', '.join(keys)}), t::text "  # noqa: S608
            f"FROM {quote(table)} AS t ORDER BY {order}"
        )
        for key_text, row_text in rows:
            state.rows.append((key_text, hashlib.sha256(row_text.encode()).hexdigest()))
    return state
