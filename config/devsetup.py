"""Prepare a development checkout: key files outside git and a git-ignored .env.

Run by ``make run`` before anything touches Django settings. Idempotent: an existing .env and
key files are kept, so a second run keeps all data readable. An .env written before the audit
log existed gets the audit key line appended, and nothing else changes.
"""

import hashlib
import os
import secrets
import sys
from pathlib import Path

from audit.keys import write_audit_key_file
from config.env import read_dotenv
from encryption.keys import write_key_file

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = BASE_DIR / ".env"


def default_key_path() -> Path:
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]
    return config_home / "therapy-notes" / f"dev-{checkout}" / "field-encryption.keys"


def write_env(key_path: Path, audit_key_path: Path | None) -> None:
    audit_line = f"AUDIT_HMAC_KEY_FILE={audit_key_path}\n" if audit_key_path else ""
    ENV_FILE.write_text(
        "# Written by `make run` for local development. Git-ignored. Real environment\n"
        "# variables override these values. See .env.example for every setting.\n"
        "DJANGO_DEBUG=true\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"FIELD_ENCRYPTION_KEY_FILE={key_path}\n"
        f"{audit_line}"
        f"DATABASE_URL=sqlite:///{BASE_DIR / 'db.sqlite3'}\n",
        encoding="utf-8",
    )
    ENV_FILE.chmod(0o600)


def key_path_from_env() -> Path | None:
    # Parsed as settings.py parses it (quotes removed, whitespace around the name allowed), so
    # that the key file created here is the one the settings will read.
    value = read_dotenv(ENV_FILE).get("FIELD_ENCRYPTION_KEY_FILE")
    return Path(value) if value else None


def ensure_audit_key(field_key_path: Path) -> Path | None:
    """The audit key file (created if missing) beside the field key; None when configured
    elsewhere (environment, or inline in .env)."""
    if os.environ.get("AUDIT_HMAC_KEY") or os.environ.get("AUDIT_HMAC_KEY_FILE"):
        return None
    values = read_dotenv(ENV_FILE)
    if values.get("AUDIT_HMAC_KEY"):
        return None
    named = values.get("AUDIT_HMAC_KEY_FILE")
    path = Path(named) if named else field_key_path.parent / "audit-hmac.key"
    if not path.exists():
        write_audit_key_file(path)
        print(f"Created a development audit key file: {path} (mode 0600, outside git).")
        if named:
            print("Audit entries written under the lost key will no longer verify.")
    return path


def append_to_env(line: str) -> None:
    text = ENV_FILE.read_text(encoding="utf-8")
    separator = "" if not text or text.endswith("\n") else "\n"
    with ENV_FILE.open("a", encoding="utf-8") as handle:
        handle.write(f"{separator}{line}\n")


def main() -> int:
    if os.environ.get("FIELD_ENCRYPTION_KEYS") or os.environ.get("FIELD_ENCRYPTION_KEY_FILE"):
        print("Using the field-encryption keys from the environment.")
        if not (os.environ.get("AUDIT_HMAC_KEY") or os.environ.get("AUDIT_HMAC_KEY_FILE")):
            print("Set AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE as well.", file=sys.stderr)
        return 0
    key_path = key_path_from_env() or default_key_path()
    if not key_path.exists():
        database = BASE_DIR / "db.sqlite3"
        if database.exists() and database.stat().st_size > 0:
            print(
                f"error: {database} exists but its key file {key_path} is missing; a new key "
                "could not read it. Restore the key file, or move the database aside.",
                file=sys.stderr,
            )
            return 1
        write_key_file(key_path)
        print(f"Created a development key file: {key_path} (mode 0600, outside git).")
    audit_key_path = ensure_audit_key(key_path)
    if not ENV_FILE.exists():
        write_env(key_path, audit_key_path)
        print(f"Wrote development settings to {ENV_FILE}.")
    elif audit_key_path and not read_dotenv(ENV_FILE).get("AUDIT_HMAC_KEY_FILE"):
        append_to_env(f"AUDIT_HMAC_KEY_FILE={audit_key_path}")
        print(f"Added AUDIT_HMAC_KEY_FILE to {ENV_FILE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
