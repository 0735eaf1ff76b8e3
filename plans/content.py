"""The shape of a plan version's content (``PlanVersion.content``, encrypted JSON), checked.

    {"problems": [{"id": "p1", "text": ..., "theme_ids": [3, 7]}],
     "goals": [{"id": "g1", "text": ..., "problem_ids": ["p1"],
                "objectives": [{"id": "o1", "text": ..., "target_date": "2027-03-01"}]}],
     "interventions": [{"id": "i1", "text": ..., "goal_ids": ["g1"]}]}

Ids are stable across versions: a row keeps its id when a new version is drafted from the
signed one, and a new row gets the next number never used in any version of the plan, so the
progress recorded against objective "o3" always means the same objective. ``validated`` is the
one check every write passes through (the editor, imports, the service).
"""

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from encryption.validators import validate_plain_text

# The limits keep the editor's largest post below the fields Django reads of one post
# (DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000; past it the post is refused and what was typed is
# lost): a goal has a box per problem, an intervention one per goal, so the links grow with
# the square of the rows. tests/plans/test_editor_limits.py counts the editor's fields at
# these limits (about 700).
MAX_ROWS = 12  # problems, goals and interventions, each
MAX_OBJECTIVES_PER_GOAL = 10
MAX_OBJECTIVES = 40  # in all
MAX_THEMES = 6  # per problem
MAX_TEXT = 2_000
PREFIXES = {"problems": "p", "goals": "g", "objectives": "o", "interventions": "i"}
ID_PATTERN = re.compile(r"[pgoi][1-9][0-9]{0,5}")
MAX_ID_NUMBER = 999_999  # the most ID_PATTERN allows
NOUNS = {
    "problems": "problem",
    "goals": "goal",
    "objectives": "objective",
    "interventions": "intervention",
}


def empty_content() -> dict:
    return {"problems": [], "goals": [], "interventions": []}


def is_id(value, kind: str) -> bool:
    return (
        isinstance(value, str)
        and bool(ID_PATTERN.fullmatch(value))
        and (value[0] == PREFIXES[kind])
    )


def parse_date(text: str | None) -> datetime.date | None:
    """A stored target date (ISO text, or None)."""
    return datetime.date.fromisoformat(text) if text else None


def objectives_of(content: dict) -> list[dict]:
    return [objective for goal in content.get("goals", []) for objective in goal["objectives"]]


def ids_in(content: dict) -> set[str]:
    """Every row id of ``content`` (problems, goals, objectives, interventions)."""
    rows = [*content.get("problems", []), *content.get("goals", [])]
    rows += [*objectives_of(content), *content.get("interventions", [])]
    return {row["id"] for row in rows if row.get("id")}


def _text(row, where: str, errors: list[str]) -> str:
    text = row.get("text") if isinstance(row, dict) else None
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: write its text, or remove it.")
        return ""
    text = text.strip()
    if len(text) > MAX_TEXT:
        errors.append(f"{where} is {len(text):,} characters long; the most is {MAX_TEXT:,}.")
    try:
        validate_plain_text(text)
    except ValidationError as error:
        errors.extend(f"{where}: {message}" for message in error.messages)
    return text


def _date(value, where: str, errors: list[str]) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    errors.append(f"{where}: the target date is not a date (YYYY-MM-DD).")
    return None


def _refs(values, kind: str, known: set[str], where: str, errors: list[str]) -> list[str]:
    if not isinstance(values, list | tuple):
        errors.append(f"{where}: its links are not a list.")
        return []
    refs = []
    for value in values:
        if not is_id(value, kind) or value not in known:
            errors.append(f"{where}: it names a {NOUNS[kind]} that is not in this plan.")
        elif value not in refs:
            refs.append(value)
    return refs


def _rows(content, kind: str, errors: list[str]) -> list:
    rows = content.get(kind, []) if isinstance(content, dict) else None
    if not isinstance(rows, list):
        errors.append(f"The plan's {kind} are not a list.")
        return []
    if len(rows) > MAX_ROWS:
        errors.append(f"A plan holds at most {MAX_ROWS} {kind}; this one has {len(rows)}.")
        return rows[:MAX_ROWS]
    return rows


def assign_ids(content: dict, used: Iterable[str]) -> dict:
    """``content`` with an id on every row: rows without one get the next number of their kind
    above every id in ``used`` (all versions of the plan) and in ``content`` itself; should
    that pass what an id may hold (an id written outside the editor can be p999999), the
    smallest number not among them. Either way a number no version of the plan ever used."""
    taken = {*used, *ids_in(content)}
    numbers: dict[str, set[int]] = {prefix: set() for prefix in PREFIXES.values()}
    for row_id in taken:
        if isinstance(row_id, str) and ID_PATTERN.fullmatch(row_id):
            numbers[row_id[0]].add(int(row_id[1:]))

    def new_id(prefix: str) -> str:
        held = numbers[prefix]
        number = max(held, default=0) + 1
        if number > MAX_ID_NUMBER:
            number = next(n for n in range(1, MAX_ID_NUMBER + 1) if n not in held)
        held.add(number)
        return f"{prefix}{number}"

    def fill(rows, kind):
        for row in rows:
            if isinstance(row, dict) and not row.get("id"):
                row["id"] = new_id(PREFIXES[kind])

    fill(content.get("problems", []), "problems")
    fill(content.get("goals", []), "goals")
    for goal in content.get("goals", []):
        if isinstance(goal, dict):
            fill(goal.get("objectives", []), "objectives")
    fill(content.get("interventions", []), "interventions")
    return content


def validated(content, *, theme_ids: set[int] | None = None) -> dict:
    """The content in its stored form (texts stripped, dates ISO, links de-duplicated), or a
    ValidationError listing every problem in words a therapist can act on. Every row must
    already have its id (``assign_ids``). ``theme_ids``: the themes the therapist may use."""
    errors: list[str] = []
    seen: set[str] = set()

    def row_id(row, kind: str, where: str) -> str:
        value = row.get("id") if isinstance(row, dict) else None
        if not is_id(value, kind):
            errors.append(f"{where} has no valid id.")
            return ""
        if value in seen:
            errors.append(f"{where} has the same id as another row ({value}).")
        seen.add(value)
        return value

    problems = []
    for number, row in enumerate(_rows(content, "problems", errors), 1):
        where = f"Problem {number}"
        themes = row.get("theme_ids", []) if isinstance(row, dict) else []
        if not isinstance(themes, list) or not all(
            isinstance(pk, int) and not isinstance(pk, bool) for pk in themes
        ):
            errors.append(f"{where}: its themes are not a list of theme ids.")
            themes = []
        elif theme_ids is not None and not set(themes) <= theme_ids:
            errors.append(f"{where}: a theme it names is not one of yours.")
        if len(set(themes)) > MAX_THEMES:
            errors.append(f"{where}: link at most {MAX_THEMES} themes.")
        problems.append(
            {
                "id": row_id(row, "problems", where),
                "text": _text(row, where, errors),
                "theme_ids": sorted(set(themes)),
            }
        )
    problem_ids = {row["id"] for row in problems}
    goals = []
    for number, row in enumerate(_rows(content, "goals", errors), 1):
        where = f"Goal {number}"
        goal = {
            "id": row_id(row, "goals", where),
            "text": _text(row, where, errors),
            "problem_ids": _refs(
                row.get("problem_ids", []) if isinstance(row, dict) else [],
                "problems",
                problem_ids,
                where,
                errors,
            ),
            "objectives": [],
        }
        objectives = row.get("objectives", []) if isinstance(row, dict) else None
        if not isinstance(objectives, list) or len(objectives) > MAX_OBJECTIVES_PER_GOAL:
            errors.append(f"{where}: at most {MAX_OBJECTIVES_PER_GOAL} objectives, as a list.")
            objectives = []
        for inner, objective in enumerate(objectives, 1):
            inner_where = f"Goal {number}, objective {inner}"
            goal["objectives"].append(
                {
                    "id": row_id(objective, "objectives", inner_where),
                    "text": _text(objective, inner_where, errors),
                    "target_date": _date(
                        objective.get("target_date") if isinstance(objective, dict) else None,
                        inner_where,
                        errors,
                    ),
                }
            )
        goals.append(goal)
    total = sum(len(goal["objectives"]) for goal in goals)
    if total > MAX_OBJECTIVES:
        errors.append(f"A plan holds at most {MAX_OBJECTIVES} objectives; this one has {total}.")
    goal_ids = {row["id"] for row in goals}
    interventions = []
    for number, row in enumerate(_rows(content, "interventions", errors), 1):
        where = f"Intervention {number}"
        interventions.append(
            {
                "id": row_id(row, "interventions", where),
                "text": _text(row, where, errors),
                "goal_ids": _refs(
                    row.get("goal_ids", []) if isinstance(row, dict) else [],
                    "goals",
                    goal_ids,
                    where,
                    errors,
                ),
            }
        )
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))
    return {"problems": problems, "goals": goals, "interventions": interventions}


def signing_problems(content: dict, review_date) -> list[str]:
    """What a draft still needs before it can be signed (empty: nothing)."""
    problems = []
    if not content.get("goals"):
        problems.append("A plan needs at least one goal before it is signed.")
    if review_date is None:
        problems.append("Set a review date before signing: the dashboard reminds you of it.")
    return problems
