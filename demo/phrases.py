"""The phrase banks of the scale-mode generator (``data/phrases.toml``), read and checked once.

Sentence templates name their blanks in braces; ``PLACEHOLDERS`` are the only ones the
generator fills in, so that a typo fails here rather than half-way through a benchmark seed.
"""

import functools
import string
import typing
from dataclasses import dataclass, fields

from sessions.models import RiskLevel

from .datafiles import DATA_DIR, DemoDataError, check_table, display_path, read_toml

PHRASES_FILE = DATA_DIR / "phrases.toml"
PLACEHOLDERS = {
    *("t1", "t2", "event", "person", "tech", "reaction", "affect", "maintainer", "progress"),
    *("n", "hours", "goal"),
}


@dataclass(frozen=True)
class Phrases:
    profiles: list[list[str]]
    events: list[str]
    people: list[str]
    reactions: list[str]
    techniques: list[str]
    affects: list[str]
    moods: list[str]
    maintainers: list[str]
    progress: list[str]
    goals: list[str]
    plans: list[str]
    safety_plan: str
    subjective: list[str]
    observed: list[str]
    assessment: list[str]
    intervention: list[str]
    response: list[str]
    goal_openers: list[str]
    goal_lines: list[str]
    narrative_openers: list[str]
    first_names: list[str]
    last_names: list[str]
    pronouns: list[str]
    referrals: list[str]
    streets: list[str]
    theme_phrases: dict[str, str]
    risk_notes: dict[str, list[str]]


@functools.cache
def phrases() -> Phrases:
    data = read_toml(PHRASES_FILE)
    try:
        check_table(
            data, "", {f.name: typing.get_origin(f.type) or f.type for f in fields(Phrases)}
        )
        for item in fields(Phrases):
            _check_value(data[item.name], item.type, item.name)
        check_table(data["risk_notes"], "risk_notes", dict.fromkeys(RiskLevel.values, list))
    except DemoDataError as exc:
        raise DemoDataError(f"{display_path(PHRASES_FILE)}: {exc}") from None
    return Phrases(**data)


def _check_value(value: object, kind: object, where: str) -> None:
    """Check ``value`` against ``kind`` (str, list[...] or dict[str, ...]), every text
    non-empty and with known placeholders, every list non-empty and without repeats."""
    origin = typing.get_origin(kind)
    if origin is None:
        if type(value) is not kind or not value:
            raise DemoDataError(f"{where}: expected non-empty text, got {value!r}.")
        try:
            parsed = list(string.Formatter().parse(value))
        except ValueError as exc:  # a lone brace
            raise DemoDataError(f"{where}: {exc} (write a brace as {{{{ or }}}}).") from None
        names = {name for _, name, _, _ in parsed if name is not None}
        if names - PLACEHOLDERS:
            unknown = ", ".join(f"{{{name}}}" for name in sorted(names - PLACEHOLDERS))
            raise DemoDataError(f"{where}: unknown placeholder {unknown}.")
        return
    [*_, item_kind] = typing.get_args(kind)
    if type(value) is not origin or not value:
        raise DemoDataError(f"{where}: expected a non-empty {origin.__name__}.")
    items = value.items() if origin is dict else enumerate(value)
    if origin is list and len(set(map(repr, value))) != len(value):
        raise DemoDataError(f"{where}: an entry is repeated.")
    for key, item in items:
        _check_value(item, item_kind, f"{where}.{key}" if origin is dict else f"{where}[{key}]")
