"""The hand-written demo caseload: reading and checking the story files.

Each file in ``data/stories/`` is one fictional client with their sessions; clients are created
in file-name order (``01-noor.toml`` becomes C-0001). The demo therapist's account is in
``data/therapist.toml``. A story file holds:

- ``status`` ("active" or "discharged"), ``intake_days_ago`` and ``cadence_days`` (for an active
  client, the next appointment after the last session comes at this interval, after today);
- ``[client]``: the client's details; ``full_name`` is required, ``date_of_birth`` is a TOML date;
- ``[defaults]``: ``start_time``, ``duration_minutes``, ``session_type`` and ``modality`` of
  every session, which a session may override;
- ``[[sessions]]``, oldest first: ``days_ago``, ``format``, ``note.<section>`` for exactly the
  sections of the format (``sessions.models.FORMAT_SECTIONS``), ``mood``, ``risk``,
  ``risk_notes``, ``interventions``, ``plan``, and ``themes = { slug = intensity }`` (1 mentioned,
  2 explored, 3 central) in the order they are stored; optionally ``progress`` against the plan;
- optionally ``[plan]`` (the treatment plan) and ``[measures]`` (questionnaires and the measures
  due): their shape is in ``demo.progress``.

Dates are offsets in days back from today, so that the demo always looks current. A date that
falls on a Saturday moves back to the Friday before, one on a Sunday forward to the Monday after
(``demo.caseload.shift_to_weekday``). Sessions are therefore at least two days apart (two dates
a day apart could land on the same Monday) and at least a day ago (a Sunday moved forward is
then never later than today). An active client's dates are first moved back or forward by the
same few days (at most three) so that the last session falls on the client's weekday in
``data/schedule.toml`` (``demo.schedule.day_shift``); its latest sessions then record
appointments of that client's series.

Long texts are multi-line strings whose lines end in a backslash (the line break and the next
line's indentation are not part of the text); a blank line is a paragraph break. A single line
break inside a text is refused: it is almost always a missing backslash.
"""

import datetime
import itertools
import re
from collections.abc import Collection
from pathlib import Path

from clients.models import ClientStatus
from sessions.models import (
    FORMAT_SECTIONS,
    MAX_DURATION_MINUTES,
    Modality,
    NoteFormat,
    RiskLevel,
    SessionType,
)

from .datafiles import DATA_DIR, DemoDataError, check_table, display_path, read_toml
from .notes import NOTE_MAX_CHARS, NOTE_MIN_CHARS
from .progress import check_progress

STORIES_DIR = DATA_DIR / "stories"
THERAPIST_FILE = DATA_DIR / "therapist.toml"

THERAPIST_KEYS = dict.fromkeys(("username", "password", "first_name", "last_name", "email"), str)
STORY_KEYS = {
    "status": str,
    "intake_days_ago": int,
    "cadence_days": int,
    "client": dict,
    "defaults": dict,
    "sessions": list,
}
CLIENT_TEXT_KEYS = (
    "preferred_name",
    "pronouns",
    "phone",
    "email",
    "address",
    "emergency_contact",
    "referral_source",
    "presenting_concerns",
    "general_notes",
)
CLIENT_OPTIONAL_KEYS = {**dict.fromkeys(CLIENT_TEXT_KEYS, str), "date_of_birth": datetime.date}
SCHEDULE_KEYS = {
    "start_time": datetime.time,
    "duration_minutes": int,
    "session_type": str,
    "modality": str,
}
SESSION_KEYS = {
    "days_ago": int,
    "format": str,
    "note": dict,
    "mood": str,
    "risk": str,
    "risk_notes": str,
    "interventions": str,
    "plan": str,
    "themes": dict,
}
# The treatment plan, the questionnaires and each note's progress (demo/progress.py).
STORY_OPTIONAL_KEYS = {"plan": dict, "measures": dict}
SESSION_OPTIONAL_KEYS = {**SCHEDULE_KEYS, "progress": dict}
LONE_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")


def load_therapist(path: Path | None = None) -> dict:
    path = path or THERAPIST_FILE
    therapist = read_toml(path)
    try:
        check_table(therapist, "", THERAPIST_KEYS)
    except DemoDataError as exc:
        raise DemoDataError(f"{display_path(path)}: {exc}") from None
    return therapist


def load_stories(theme_slugs: Collection[str], directory: Path | None = None) -> list[dict]:
    """Every story file of ``directory`` (``data/stories/``), checked, in file-name order."""
    directory = directory or STORIES_DIR
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise DemoDataError(f"{display_path(directory)}: no story files (*.toml).")
    stories = []
    for path in paths:
        story = read_toml(path)
        try:
            check_story(story, theme_slugs)
        except DemoDataError as exc:
            raise DemoDataError(f"{display_path(path)}: {exc}") from None
        stories.append(story)
    return stories


def story_names(directory: Path | None = None) -> list[str]:
    """The story files' names without ``.toml``, in the order ``load_stories`` reads them."""
    directory = directory or STORIES_DIR
    return [path.stem for path in sorted(directory.glob("*.toml"))]


def check_story(story: dict, theme_slugs: Collection[str]) -> None:
    """Raise DemoDataError, naming the key, if a story breaks its schema or the model's rules."""
    check_table(story, "", STORY_KEYS, STORY_OPTIONAL_KEYS)
    check_table(story["client"], "client", {"full_name": str}, CLIENT_OPTIONAL_KEYS)
    _check_choice(story["status"], "status", ClientStatus)
    if story["cadence_days"] < 2:
        # A day on from a Friday is a Saturday, which moves back to that Friday: no progress.
        raise DemoDataError(f"cadence_days: {story['cadence_days']} is less than 2.")
    check_table(story["defaults"], "defaults", SCHEDULE_KEYS)
    _check_schedule(story["defaults"], "defaults")
    sessions = story["sessions"]
    if not sessions:
        raise DemoDataError("sessions: a story needs at least one session.")
    for index, session in enumerate(sessions):
        where = f"sessions[{index}]"
        check_table(session, where, SESSION_KEYS, SESSION_OPTIONAL_KEYS)
        _check_schedule(session, where)
        _check_session(session, where, theme_slugs)
    _check_dates(story)
    check_progress(story, theme_slugs)
    _check_line_breaks(story, "")


def _check_choice(value: str, where: str, choices) -> None:
    if value not in choices.values:
        expected = ", ".join(choices.values)
        raise DemoDataError(f"{where}: unknown value {value!r} (expected one of {expected}).")


def _check_schedule(table: dict, where: str) -> None:
    if "session_type" in table:
        _check_choice(table["session_type"], f"{where}.session_type", SessionType)
    if "modality" in table:
        _check_choice(table["modality"], f"{where}.modality", Modality)
    minutes = table.get("duration_minutes", 1)
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise DemoDataError(
            f"{where}.duration_minutes: {minutes} is not between 1 and {MAX_DURATION_MINUTES}."
        )


def _check_session(session: dict, where: str, theme_slugs: Collection[str]) -> None:
    _check_choice(session["format"], f"{where}.format", NoteFormat)
    sections = FORMAT_SECTIONS[NoteFormat(session["format"])]
    note = session["note"]
    check_table(note, f"{where}.note", dict.fromkeys(sections, str))
    if list(note) != list(sections):
        order = ", ".join(sections)
        raise DemoDataError(f"{where}.note: the sections of {session['format']} are {order}.")
    total = sum(len(text) for text in note.values())
    if not NOTE_MIN_CHARS <= total <= NOTE_MAX_CHARS:
        raise DemoDataError(
            f"{where}.note: {total} characters ({NOTE_MIN_CHARS}-{NOTE_MAX_CHARS:,} expected)."
        )
    _check_choice(session["risk"], f"{where}.risk", RiskLevel)
    for slug, intensity in session["themes"].items():
        if slug not in theme_slugs:
            raise DemoDataError(f"{where}.themes.{slug}: not a theme of the taxonomy.")
        if type(intensity) is not int or intensity not in (1, 2, 3):
            raise DemoDataError(f"{where}.themes.{slug}: intensity {intensity!r} is not 1, 2 or 3.")


def _check_dates(story: dict) -> None:
    offsets = [session["days_ago"] for session in story["sessions"]]
    for index, (earlier, later) in enumerate(itertools.pairwise(offsets), start=1):
        if earlier - later < 2:
            raise DemoDataError(
                f"sessions[{index}].days_ago: {later} days ago is not at least two days after "
                f"the session before it ({earlier} days ago); sessions are listed oldest first."
            )
    if offsets[-1] < 1:
        raise DemoDataError(f"sessions[{len(offsets) - 1}].days_ago: must be at least 1.")
    if story["intake_days_ago"] < offsets[0]:
        raise DemoDataError(
            f"intake_days_ago: {story['intake_days_ago']} days ago is after the first session "
            f"({offsets[0]} days ago)."
        )


def _check_line_breaks(value: object, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_line_breaks(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_line_breaks(item, f"{where}[{index}]")
    elif isinstance(value, str) and LONE_LINE_BREAK.search(value):
        raise DemoDataError(
            f"{where}: a line break inside a paragraph (end a wrapped line with a backslash; "
            "a blank line separates paragraphs)."
        )
