"""Prepare a development checkout: a key file outside git and a git-ignored .env.

Run by ``make run`` before anything touches Django settings. Idempotent: an existing .env and
key file are kept, so a second run keeps all data readable.
"""

import hashlib
import os
import secrets
import sys
from pathlib import Path

from config.env import read_dotenv
from encryption.keys import write_key_file

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = BASE_DIR / ".env"


def default_key_path() -> Path:
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]
    return config_home / "therapy-notes" / f"dev-{checkout}" / "field-encryption.keys"


def write_env(key_path: Path) -> None:
    ENV_FILE.write_text(
        "# Written by `make run` for local development. Git-ignored. Real environment\n"
        "# variables override these values. See .env.example for every setting.\n"
        "DJANGO_DEBUG=true\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"FIELD_ENCRYPTION_KEY_FILE={key_path}\n"
        f"DATABASE_URL=sqlite:///{BASE_DIR / 'db.sqlite3'}\n",
        encoding="utf-8",
    )
    ENV_FILE.chmod(0o600)


def key_path_from_env() -> Path | None:
    # Parsed as settings.py parses it (quotes removed, whitespace around the name allowed), so
    # that the key file created here is the one the settings will read.
    value = read_dotenv(ENV_FILE).get("FIELD_ENCRYPTION_KEY_FILE")
    return Path(value) if value else None


def main() -> int:
    if os.environ.get("FIELD_ENCRYPTION_KEYS") or os.environ.get("FIELD_ENCRYPTION_KEY_FILE"):
        print("Using the field-encryption keys from the environment.")
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
    if not ENV_FILE.exists():
        write_env(key_path)
        print(f"Wrote development settings to {ENV_FILE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
