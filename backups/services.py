"""Making a backup and restoring one (the two management commands call these)."""

import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

from encryption.keys import get_keyring

from . import archive, manifest, postgres, seal, sqlite, verify
from .aliases import temporary_alias
from .errors import BackupError

ENGINES = {"sqlite": sqlite, "postgresql": postgres}
STAGING_ALIAS = "backups_staging"


@dataclass
class Outcome:
    path: Path
    engine: str
    tables: int
    rows: int
    encrypted_values: int
    key_ids: list[int]
    seconds: float
    audit: str = ""


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in ENGINES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def create_backup(output: Path, *, using: str = "default") -> Outcome:
    started = time.monotonic()
    engine = _engine(using)
    settings_dict = connections[using].settings_dict
    if output.exists():
        raise BackupError(f"{output} already exists; choose a new file name.")
    if not output.parent.is_dir():
        raise BackupError(f"The directory {output.parent} does not exist.")
    with tempfile.TemporaryDirectory(prefix=".therapy-notes-backup-", dir=output.parent) as work:
        copy = Path(work) / ENGINES[engine].MEMBER
        if engine == "sqlite":
            sqlite.copy_live_database(sqlite.database_path(settings_dict), copy)
            state, tools = sqlite.read_state(copy), {"sqlite": sqlite3.sqlite_version}
        else:
            state, tools = postgres.dump(settings_dict, copy)
        contents = manifest.build(
            engine=engine,
            member=copy.name,
            member_sha256=archive.file_sha256(copy),
            member_bytes=copy.stat().st_size,
            state=state,
            tools=tools,
        )
        archive.write(output, seal.seal(contents), copy)
    return _outcome(output, engine, state, started)


def restore_backup(path: Path, *, using: str = "default") -> Outcome:
    started = time.monotonic()
    engine = _engine(using)
    contents = archive.read_manifest(path)
    manifest.validate(contents)
    seal.check(contents)
    if contents["engine"] != engine:
        raise BackupError(
            f"This backup is of a {contents['engine']} database and the configured database is "
            f"{engine}: restoring across engines is not supported (docs/backup.md)."
        )
    keyring = get_keyring()
    try:
        expected_key_ids = {
            int(k) for counts in contents["encrypted_values"].values() for k in counts
        }
        dumped_by = int(contents["tools"].get("pg_dump", 0))
    except (AttributeError, TypeError, ValueError):
        raise BackupError("The backup's manifest is malformed (damaged or altered).") from None
    verify.check_keyring_covers(expected_key_ids, keyring)
    settings_dict = connections[using].settings_dict
    if engine == "sqlite":
        state, audit = _restore_sqlite(path, contents, settings_dict, keyring)
    else:
        state, audit = _restore_postgres(path, contents, settings_dict, using, keyring, dumped_by)
    outcome = _outcome(path, engine, state, started)
    outcome.audit = audit
    return outcome


def _refuse_unless_empty_sqlite(target: Path) -> None:
    if not sqlite.is_empty(target):
        raise BackupError(
            f"The database file {target} already holds data; restore needs a new, empty "
            "database: point DATABASE_URL at a new file."
        )


def _restore_sqlite(path, contents, settings_dict, keyring):
    target = sqlite.database_path(settings_dict)
    _refuse_unless_empty_sqlite(target)
    if not target.parent.is_dir():
        raise BackupError(f"The directory {target.parent} does not exist.")
    with tempfile.TemporaryDirectory(prefix=".therapy-notes-restore-", dir=target.parent) as work:
        staged = Path(work) / sqlite.MEMBER
        archive.extract_database(path, contents, staged)
        file_matches = archive.file_sha256(staged) == contents["database"]["sha256"]
        sqlite.check_integrity(staged)
        state = sqlite.read_state(staged)
        _compare(contents, state, file_matches)
        # Through the models, on the staged copy: nothing unverified is ever put in place.
        with temporary_alias(STAGING_ALIAS, NAME=str(staged)) as alias:
            verify.decrypt_everything(alias, keyring)
            audit = verify.check_audit_chain(alias, contents["audit_head"])
        sqlite.install(staged, target)
    return state, audit


def _restore_postgres(path, contents, settings_dict, using, keyring, dumped_by):
    empty, names = postgres.is_empty(settings_dict)
    if not empty:
        raise BackupError(
            f"The database {settings_dict['NAME']} already holds {len(names)} tables or other "
            f"objects (e.g. {names[0]}); restore needs an empty database: createdb a new one "
            "and point DATABASE_URL at it."
        )
    with tempfile.TemporaryDirectory(prefix="therapy-notes-restore-") as work:
        dump_file = Path(work) / postgres.MEMBER
        archive.extract_database(path, contents, dump_file)
        file_matches = archive.file_sha256(dump_file) == contents["database"]["sha256"]
        postgres.restore(settings_dict, dump_file, dumped_by)
    connections[using].close()  # a connection opened before the restore may cache the catalog
    try:
        with postgres.connect(settings_dict) as connection:
            state = postgres.read_state(connection)
            connection.rollback()
        _compare(contents, state, file_matches)
        verify.decrypt_everything(using, keyring)
        audit = verify.check_audit_chain(using, contents["audit_head"])
    except BackupError as exc:
        raise BackupError(
            f"{exc} Database {settings_dict['NAME']} now holds this unverified copy: do not use "
            "it; drop and recreate it before restoring again."
        ) from None
    return state, audit


def _compare(contents: dict, state, file_matches: bool) -> None:
    try:
        difference = manifest.first_difference(contents, state)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BackupError("The backup's manifest is malformed (damaged or altered).") from None
    if difference:
        raise BackupError(
            f"The backup does not match its manifest: {difference} (damaged or altered)."
        )
    if not file_matches:
        raise BackupError(
            "The database copy's SHA-256 differs from the manifest although every row matches "
            "(damaged or altered)."
        )


def _outcome(path: Path, engine: str, state, started: float) -> Outcome:
    return Outcome(
        path=path,
        engine=engine,
        tables=len(state.tables),
        rows=state.row_count,
        encrypted_values=sum(
            n for counts in state.encrypted_values.values() for n in counts.values()
        ),
        key_ids=sorted(state.key_ids()),
        seconds=time.monotonic() - started,
    )
