"""Reading settings from the environment, with a git-ignored ``.env`` file as fallback.

Real environment variables always win over ``.env``. Malformed values raise
``ImproperlyConfigured`` naming the variable.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; blank lines and # comments are skipped, quotes are removed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ImproperlyConfigured(f"{path}:{number} is not a KEY=VALUE line.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class Environment:
    def __init__(self, dotenv: dict[str, str]) -> None:
        self.dotenv = dotenv

    def get(self, name: str, default: str | None = None) -> str | None:
        if name in os.environ:
            return os.environ[name]
        return self.dotenv.get(name, default)

    def required(self, name: str, development_default: str | None, development: bool) -> str:
        value = self.get(name)
        if value:
            return value
        if development and development_default is not None:
            return development_default
        raise ImproperlyConfigured(f"{name} must be set (outside development; see .env.example).")

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")

    def integer(self, name: str, default: int) -> int:
        value = self.get(name)
        if value is None or value.strip() == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.get(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]
