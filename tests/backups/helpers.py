"""Shared by the backup tests: a small record with canaries, fresh empty databases to restore
into (a new SQLite file, or a new PostgreSQL database), and rewriting a backup's members."""

import base64
import datetime
import io
import json
import secrets
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection

from audit.models import Action
from audit.services import log_event
from backups import postgres
from backups.aliases import temporary_alias
from sessions.services import add_addendum, save_process_note, sign_session
from tests.base import ALICE_CANARY_NAME, ALICE_CANARY_NOTE, make_client, make_session
from tests.base import make_therapist as make_user

RESTORE_ALIAS = "backups_restore_target"
ADDENDUM_CANARY = "Addendum-sandpiper-Ж42-鷺 correction about her mother"
PROCESS_CANARY = "Process-lapwing-Ψ91-ŋ countertransference noticed"
CANARIES = [ALICE_CANARY_NAME, ALICE_CANARY_NOTE, ADDENDUM_CANARY, PROCESS_CANARY]


@dataclass
class Record:
    alice: object
    client: object
    signed: object  # a signed session, with an addendum
    draft: object  # a draft session, with a process note


def seed_record() -> Record:
    alice = make_user("alice")
    client = make_client(
        alice, full_name=ALICE_CANARY_NAME, date_of_birth=datetime.date(1988, 6, 1)
    )
    signed = make_session(client, note={"subjective": ALICE_CANARY_NOTE})
    sign_session(session=signed, signer=alice, expected_version=signed.version)
    signed.refresh_from_db()
    add_addendum(session=signed, author=alice, text=ADDENDUM_CANARY)
    draft = make_session(client, date=datetime.date(2026, 3, 9), note={"subjective": "A draft."})
    save_process_note(session=draft, text=PROCESS_CANARY)
    log_event(action=Action.CREATE_CLIENT, user=alice, obj=client)
    log_event(action=Action.SIGN_SESSION, user=alice, obj=signed)
    sign_in = SessionStore()  # a live sign-in session: a bearer credential
    sign_in["_auth_user_id"] = str(alice.pk)
    sign_in.create()
    return Record(alice=alice, client=client, signed=signed, draft=draft)


def backup_to(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", output=str(path), stdout=out)
    return out.getvalue()


def restore_from(path: Path, alias: str = RESTORE_ALIAS) -> str:
    out = io.StringIO()
    call_command("restore", str(path), database=alias, stdout=out)
    return out.getvalue()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the engine under test, as the alias RESTORE_ALIAS."""
    if not is_postgres():
        with temporary_alias(RESTORE_ALIAS, NAME=str(tmp_path / "restored.sqlite3")) as alias:
            yield alias
        return
    name = f"test_backups_restore_{uuid.uuid4().hex[:12]}"
    server = connection.settings_dict  # CREATE DATABASE works from any database
    with postgres.connect(server) as admin:
        admin.autocommit = True
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with temporary_alias(RESTORE_ALIAS, NAME=name) as alias:
            yield alias
    finally:
        with postgres.connect(server) as admin:
            admin.autocommit = True
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rewrite_backup(
    path: Path,
    *,
    database: Callable[[bytes], bytes] = lambda data: data,
    manifest: Callable[[dict], dict] = lambda data: data,
) -> None:
    """Rewrite a backup with its members changed (to simulate damage or tampering)."""
    with tarfile.open(path) as tar:
        contents = json.loads(tar.extractfile("manifest.json").read())
        member = contents["database"]["member"]
        data = tar.extractfile(member).read()
    contents, data = manifest(contents), database(data)
    path.unlink()
    with tarfile.open(path, "w") as tar:
        for name, blob in (("manifest.json", json.dumps(contents).encode()), (member, data)):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def flip_stored_value(blob: bytes) -> Callable[[bytes], bytes]:
    """A change to the one place a stored value sits in the database copy: a byte of the raw
    value (SQLite file), or a hex digit of it (the COPY data of a pg_dump)."""
    needle = blob.hex().encode() if is_postgres() else blob

    def change(data: bytes) -> bytes:
        assert data.count(needle) == 1, "the value must sit exactly once in the copy"
        at = data.index(needle) + len(needle) // 2
        flipped = (
            (b"1" if data[at : at + 1] != b"1" else b"2")
            if is_postgres()
            else bytes([data[at] ^ 0x01])
        )
        return data[:at] + flipped + data[at + 1 :]

    return change


def other_key_line(key_id: int) -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def key_material() -> dict[str, bytes]:
    """Every secret of the test settings, as the bytes that would betray it in a file."""
    found = {"DJANGO_SECRET_KEY": settings.SECRET_KEY.encode()}
    for entry in settings.FIELD_ENCRYPTION_KEYS.split(","):
        key_id, _, text = entry.partition(":")
        found[f"field key {key_id} (base64)"] = text.encode()
        found[f"field key {key_id} (raw)"] = base64.b64decode(text)
    found["audit key (base64)"] = settings.AUDIT_HMAC_KEY.encode()
    found["audit key (raw)"] = base64.b64decode(settings.AUDIT_HMAC_KEY)
    return found


def secrets_in(data: bytes, material: dict[str, bytes]) -> list[str]:
    return sorted(
        name for name, secret in material.items() if secret in data or secret.hex().encode() in data
    )
