"""The questionnaires: one TOML file each, the built-in ones in ``measures/data/`` and a
practice's own in ``settings.MEASURES_EXTRA_DIR`` (docs/measures.md gives the schema).

A file is read and checked once, when Django starts (``MeasuresConfig.ready``): a bad file
stops start-up with one line naming the file and the problem (``MeasureFileError``), rather than
failing when a client's questionnaire is first scored. Everything else asks ``all_measures()`` or
``get_measure(slug)``; ``load(directories)`` is the pure function both are built on.
"""

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

DATA_DIR = Path(__file__).resolve().parent / "data"
# The built-in files, in the order they are offered.
BUILT_IN = ("phq9", "gad7", "pcl5", "core10")
# What a risk item is about (Item.risk); a practice's file may use only these.
RISK_KINDS = ("suicidal_thoughts",)
JACOBSON_TRUAX_Z = 1.96

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class MeasureFileError(ImproperlyConfigured):
    """A questionnaire file cannot be used; the message is "<file>: <problem>"."""


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    reverse: bool = False
    risk: str = ""  # "suicidal_thoughts" or ""


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str
    level: int  # 0 = the lowest severity


@dataclass(frozen=True)
class Measure:
    slug: str
    name: str
    short_name: str
    instructions: str
    options: tuple[Option, ...]
    items: tuple[Item, ...]
    max_score: int
    cutoff: float | None
    cutoff_label: str
    bands: tuple[Band, ...]
    reliability: float
    sd: float
    prorate_max_missing: int
    licence: str
    copyright: str
    source: str
    # What the file says beyond the frozen core (shown on the pages and in docs/measures.md).
    description: str = ""
    item_prompt: str = ""  # shown above the items ("Over the last week...")
    prorate_decimals: int = 0  # a prorated total is rounded (half up) to this many decimals
    prorate_rule: str = ""
    prorate_source: str = ""
    cutoff_source: str = ""
    reliability_source: str = ""
    sd_source: str = ""
    # The z of the confidence level the reliable-change figure was published at: 1.96
    # (Jacobson & Truax, 95%) unless the file says otherwise (CORE-10: 1.645, 90%).
    rci_z: float = JACOBSON_TRUAX_Z
    # The field's standard reliable-change threshold in points, where one is published: the
    # app always judges change by rci_threshold; a test checks the two agree.
    published_change: float | None = None
    published_change_source: str = ""
    file: str = ""
    built_in: bool = False

    @property
    def rci_threshold(self) -> float:
        """A change larger than this many points is reliable (Jacobson & Truax 1991):
        z x SD x sqrt(2 x (1 - reliability))."""
        return self.rci_z * self.sd * math.sqrt(2 * (1 - self.reliability))

    @property
    def reliable_from(self) -> int:
        """The smallest change in whole points that is reliable (more than the index)."""
        return math.floor(self.rci_threshold) + 1

    @property
    def min_option(self) -> int:
        return self.options[0].value

    @property
    def max_option(self) -> int:
        return self.options[-1].value

    @property
    def min_score(self) -> int:
        return self.min_option * len(self.items)

    def band_for(self, total: float | None) -> Band | None:
        """The band a total falls in; a prorated total between two whole-number bands (10.4)
        belongs to the lower one, whose upper end it has not reached the next band's low."""
        if total is None:
            return None
        found = None
        for band in self.bands:
            if band.low <= total:
                found = band
        return found

    def item(self, number: int) -> Item:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    def option_label(self, value: int | None) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return ""

    @property
    def risk_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.risk)


# --- reading the files ------------------------------------------------------------------------


def load(directories) -> dict[str, Measure]:
    """Every measure in ``directories`` (paths), built-in order first, then by file name, keyed
    by slug. Raises MeasureFileError ("<file>: <problem>") for the first bad file."""
    paths = []
    for directory in directories:
        directory = Path(directory)
        if not directory.is_dir():
            raise MeasureFileError(f"{directory}: not a directory of questionnaire files.")
        paths.extend(directory.glob("*.toml"))
    found: dict[str, Measure] = {}
    for path in sorted(paths, key=_file_order):
        measure = read_file(path)
        if measure.slug in found:
            other = found[measure.slug].file
            raise MeasureFileError(f"{path}: slug {measure.slug!r} is already used by {other}.")
        found[measure.slug] = measure
    return found


def _file_order(path: Path) -> tuple[int, str, str]:
    built_in = path.parent.resolve() == DATA_DIR and path.stem in BUILT_IN
    return (BUILT_IN.index(path.stem) if built_in else len(BUILT_IN), path.name, str(path))


def read_file(path: Path) -> Measure:
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise MeasureFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MeasureFileError(f"{path}: not valid TOML ({exc}).") from None
    try:
        return _measure(data, path)
    except _Problem as problem:
        raise MeasureFileError(f"{path}: {problem}") from None


class _Problem(Exception):
    pass


_TOP = {
    "slug": str,
    "name": str,
    "short_name": str,
    "instructions": str,
    "licence": str,
    "copyright": str,
    "source": str,
    "scoring": dict,
    "reliable_change": dict,
    "options": list,
    "items": list,
    "bands": list,
}
_TOP_OPTIONAL = {"description": str, "item_prompt": str, "cutoff": dict}
_SCORING = {"max_score": int}
_SCORING_OPTIONAL = {
    "method": str,
    "prorate_max_missing": int,
    "prorate_decimals": int,
    "prorate_rule": str,
    "prorate_source": str,
}
_CUTOFF = {"score": float, "label": str}
_CUTOFF_OPTIONAL = {"source": str}
_CHANGE = {"reliability": float, "sd": float}
_CHANGE_OPTIONAL = {
    "reliability_source": str,
    "sd_source": str,
    "z": float,
    "published_points": float,
    "published_source": str,
}
_TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    dict: "a table",
    list: "a list of tables",
}


def _table(data, where: str, required: dict, optional: dict) -> dict:
    """``data`` checked: every required key, no unknown key, each of its type (a float may be
    written as a whole number; a bool is never a number)."""
    prefix = f"{where}." if where else ""
    if not isinstance(data, dict):
        raise _Problem(f"{where} must be a table.")
    for key in required:
        if key not in data:
            raise _Problem(f"missing key '{prefix}{key}'.")
    for key, value in data.items():
        kind = required.get(key) or optional.get(key)
        if kind is None:
            raise _Problem(f"unknown key '{prefix}{key}'.")
        if not _is(value, kind):
            name = _TYPE_NAMES[kind]
            raise _Problem(f"'{prefix}{key}' must be {name}, not {_describe(value)}.")
    return data


def _is(value, kind) -> bool:
    if isinstance(value, bool):
        return kind is bool
    if kind is float:
        return isinstance(value, int | float) and math.isfinite(value)
    return isinstance(value, kind)


def _describe(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _text(value: str, key: str) -> str:
    if not value.strip():
        raise _Problem(f"'{key}' is empty.")
    return value.strip()


def _measure(data: dict, path: Path) -> Measure:
    _table(data, "", _TOP, _TOP_OPTIONAL)
    slug = data["slug"]
    if not _SLUG.fullmatch(slug):
        raise _Problem(
            f"slug {slug!r} must be lower-case letters, digits, '-' or '_' (at most 40)."
        )
    options = _options(data["options"])
    items = _items(data["items"])
    scoring = _table(data["scoring"], "scoring", _SCORING, _SCORING_OPTIONAL)
    if scoring.get("method", "sum") != "sum":
        raise _Problem('scoring.method must be "sum" (the only method supported).')
    max_score = scoring["max_score"]
    expected = options[-1].value * len(items)
    if max_score != expected:
        raise _Problem(
            f"scoring.max_score is {max_score}, but {len(items)} items answered "
            f"{options[0].value}-{options[-1].value} add up to {expected}."
        )
    min_score = options[0].value * len(items)
    missing = scoring.get("prorate_max_missing", 0)
    if not 0 <= missing < len(items):
        raise _Problem(f"scoring.prorate_max_missing must be 0 to {len(items) - 1}.")
    decimals = scoring.get("prorate_decimals", 0)
    if not 0 <= decimals <= 2:
        raise _Problem("scoring.prorate_decimals must be 0, 1 or 2.")
    bands = _bands(data["bands"], min_score, max_score)
    cutoff = None
    cutoff_table = {}
    if "cutoff" in data:
        cutoff_table = _table(data["cutoff"], "cutoff", _CUTOFF, _CUTOFF_OPTIONAL)
        cutoff = float(cutoff_table["score"])
        if not min_score < cutoff <= max_score:
            raise _Problem(f"cutoff.score must be above {min_score} and at most {max_score}.")
    change = _table(data["reliable_change"], "reliable_change", _CHANGE, _CHANGE_OPTIONAL)
    if not 0 < change["reliability"] < 1:
        raise _Problem("reliable_change.reliability must be between 0 and 1.")
    if change["sd"] <= 0 or change.get("z", 1) <= 0:
        raise _Problem("reliable_change.sd and reliable_change.z must be above 0.")
    published = change.get("published_points")
    return Measure(
        slug=slug,
        name=_text(data["name"], "name"),
        short_name=_text(data["short_name"], "short_name"),
        instructions=_text(data["instructions"], "instructions"),
        options=options,
        items=items,
        max_score=max_score,
        cutoff=cutoff,
        cutoff_label=cutoff_table.get("label", "").strip(),
        bands=bands,
        reliability=float(change["reliability"]),
        sd=float(change["sd"]),
        prorate_max_missing=missing,
        licence=_text(data["licence"], "licence"),
        copyright=_text(data["copyright"], "copyright"),
        source=_text(data["source"], "source"),
        description=data.get("description", "").strip(),
        item_prompt=data.get("item_prompt", "").strip(),
        prorate_decimals=decimals,
        prorate_rule=scoring.get("prorate_rule", "").strip(),
        prorate_source=scoring.get("prorate_source", "").strip(),
        cutoff_source=cutoff_table.get("source", "").strip(),
        reliability_source=change.get("reliability_source", "").strip(),
        sd_source=change.get("sd_source", "").strip(),
        rci_z=float(change.get("z", JACOBSON_TRUAX_Z)),
        published_change=None if published is None else float(published),
        published_change_source=change.get("published_source", "").strip(),
        file=str(path),
        built_in=path.parent.resolve() == DATA_DIR,
    )


def _options(rows: list) -> tuple[Option, ...]:
    if len(rows) < 2:
        raise _Problem("a questionnaire needs at least two [[options]].")
    options = []
    for index, row in enumerate(rows):
        row = _table(row, f"options[{index}]", {"value": int, "label": str}, {})
        option = Option(value=row["value"], label=_text(row["label"], f"options[{index}].label"))
        if options and option.value <= options[-1].value:
            raise _Problem(
                f"options must be in increasing order of value ({option.value} comes after "
                f"{options[-1].value})."
            )
        options.append(option)
    if options[0].value < 0:
        raise _Problem("option values must not be negative.")
    return tuple(options)


def _items(rows: list) -> tuple[Item, ...]:
    if not rows:
        raise _Problem("a questionnaire needs at least one [[items]].")
    items: list[Item] = []
    seen = set()
    for index, row in enumerate(rows):
        where = f"items[{index}]"
        row = _table(row, where, {"number": int, "text": str}, {"reverse": bool, "risk": str})
        number = row["number"]
        if number in seen:
            raise _Problem(f"item {number} appears twice.")
        seen.add(number)
        risk = row.get("risk", "")
        if risk and risk not in RISK_KINDS:
            raise _Problem(f"{where}.risk must be one of {', '.join(RISK_KINDS)}, not {risk!r}.")
        items.append(
            Item(
                number=number,
                text=_text(row["text"], f"{where}.text"),
                reverse=row.get("reverse", False),
                risk=risk,
            )
        )
    if [item.number for item in items] != list(range(1, len(items) + 1)):
        raise _Problem(f"items must be numbered 1 to {len(items)}, in order.")
    return tuple(items)


def _bands(rows: list, min_score: int, max_score: int) -> tuple[Band, ...]:
    if not rows:
        raise _Problem("a questionnaire needs at least one [[bands]].")
    bands: list[Band] = []
    for index, row in enumerate(rows):
        where = f"bands[{index}]"
        row = _table(row, where, {"low": int, "high": int, "label": str}, {})
        low, high = row["low"], row["high"]
        if high < low:
            raise _Problem(f"{where} ends ({high}) before it starts ({low}).")
        if bands:
            previous = bands[-1].high
            if low <= previous:
                raise _Problem(f"bands overlap: {where} starts at {low}, at or below {previous}.")
            if low > previous + 1:
                raise _Problem(f"bands leave a gap between {previous} and {low}.")
        elif low != min_score:
            raise _Problem(f"the first band must start at the lowest score, {min_score}.")
        bands.append(
            Band(low=low, high=high, label=_text(row["label"], f"{where}.label"), level=index)
        )
    if bands[-1].high != max_score:
        raise _Problem(
            f"the last band ends at {bands[-1].high}, not at the highest score, {max_score}."
        )
    return tuple(bands)


# --- the catalogue the app uses ---------------------------------------------------------------


def directories() -> list[Path]:
    extra = getattr(settings, "MEASURES_EXTRA_DIR", "")
    return [DATA_DIR, *([Path(extra)] if extra else [])]


@cache
def all_measures() -> dict[str, Measure]:
    """Every questionnaire offered: the built-in ones, then the practice's, by slug."""
    return load(directories())


def get_measure(slug: str) -> Measure:
    """The measure with this slug; KeyError if there is none (e.g. a practice's file was
    removed after it was used)."""
    return all_measures()[slug]


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs) -> None:
    if setting == "MEASURES_EXTRA_DIR":
        all_measures.cache_clear()
