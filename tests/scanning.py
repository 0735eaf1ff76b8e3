"""Scanning what an attacker holding the database can read: the SQLite file and its -wal, or a
pg_dump of the PostgreSQL database. Shared by the no-plaintext-at-rest and erasure tests."""

import os
import secrets
import subprocess
from pathlib import Path

from django.db import connection

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")
MIN_CANARY_LENGTH = 10


def new_canary(word: str) -> str:
    """Mixed scripts around a fresh random token: a hit cannot be a coincidence."""
    return f"{word}-{secrets.token_hex(6)}-Ψάρι-Жук-鷺"


def _needles(canaries) -> dict[bytes, str]:
    needles = {}
    for canary in canaries:
        if len(canary) < MIN_CANARY_LENGTH:
            raise ValueError(f"{canary!r} is too short to be a canary: it would match by chance")
        for text in dict.fromkeys((canary, canary.lower())):
            for encoding in ENCODINGS:
                encoded = text.encode(encoding)
                needles[encoded] = f"{canary!r} ({encoding})"
                # pg_dump writes bytea columns as hex: plaintext bytes there would show so.
                needles[encoded.hex().encode()] = f"{canary!r} ({encoding}, hex)"
    return needles


def hits(blob: bytes | str, canaries) -> list[str]:
    """Which canaries occur in blob, in any of the encodings searched."""
    if isinstance(blob, str):
        blob = blob.encode("utf-8")
    return sorted({label for needle, label in _needles(canaries).items() if needle in blob})


def raw_database_bytes() -> bytes:
    """Everything an attacker holding the database (file or dump) can read."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        path = Path(settings_dict["NAME"])
        assert path.is_file(), f"the test database must be a file to be scanned: {path}"
        files = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    assert connection.vendor == "postgresql", f"no raw scanner for {connection.vendor}"
    command = [
        "pg_dump",
        "--no-password",
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        settings_dict.get("USER") or "postgres",
        settings_dict["NAME"],
    ]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    result = subprocess.run(command, capture_output=True, check=True, timeout=120, env=env)
    assert b"CREATE TABLE" in result.stdout
    return result.stdout


def blob_hits(dump: bytes, blobs: dict[str, bytes]) -> list[str]:
    """Which stored byte strings (e.g. ciphertexts, by label) occur in dump, raw or as the hex
    that pg_dump writes for bytea columns."""
    return sorted(
        label
        for label, blob in blobs.items()
        if bytes(blob) in dump or bytes(blob).hex().encode() in dump
    )
