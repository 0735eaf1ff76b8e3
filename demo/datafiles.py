"""Reading the demo's TOML files (``demo/data/``) and checking their shape.

Every problem is reported as one ``DemoDataError`` line naming the file and the key, so that a
slip in a hand-written story reads as ``demo/data/stories/04-kai.toml: sessions[3].risk: ...``
rather than a traceback.
"""

import datetime
import tomllib
from pathlib import Path

from django.conf import settings

DATA_DIR = Path(__file__).resolve().parent / "data"


class DemoDataError(ValueError):
    """The demo data cannot be loaded; the message is one readable line."""


def display_path(path: Path) -> str:
    """The path relative to the project when it is inside it (shorter, and the same on every
    machine), else as given."""
    try:
        return str(path.resolve().relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as exc:
        raise DemoDataError(f"{display_path(path)}: cannot be read ({exc.strerror}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DemoDataError(f"{display_path(path)}: not valid TOML ({exc}).") from None


def type_name(kind: type) -> str:
    names = {
        str: "text",
        int: "a whole number",
        dict: "a table",
        list: "a list",
        datetime.date: "a date (1990-01-31)",
        datetime.time: "a time (10:00:00)",
    }
    return names.get(kind, kind.__name__)


def check_table(table: object, where: str, required: dict, optional: dict | None = None) -> None:
    """Raise DemoDataError unless ``table`` has every required key, no unknown key, and each
    value of the type given (``{"name": str, ...}``); ``where`` prefixes the key in messages."""
    optional = optional or {}
    prefix = f"{where}." if where else ""
    if not isinstance(table, dict):
        raise DemoDataError(f"{where}: expected a table.")
    for key in required:
        if key not in table:
            raise DemoDataError(f"{prefix}{key}: missing.")
    for key, value in table.items():
        kind = required.get(key) or optional.get(key)
        if kind is None:
            known = ", ".join([*required, *optional])
            raise DemoDataError(f"{prefix}{key}: unknown key (expected one of {known}).")
        # The exact type: a bool is an int and a datetime a date in Python, and neither is
        # meant where a number of days or a date of birth is.
        if type(value) is not kind:
            raise DemoDataError(f"{prefix}{key}: expected {type_name(kind)}, got {value!r}.")
