"""The treatment plans, questionnaires and note progress of the demo stories: their shape in
the story files, checked with the rest of a story (``stories.check_story``), and how they are
written, through the plans and measures apps' services like everything else.

A story may hold:

- ``[plan]``: ``signed_days_ago`` (the day the plan was agreed and signed: a session's day),
  ``review_in_days`` (the review date, days from today; negative: overdue), and lists of
  ``problems`` (``key``, ``text``, ``themes``: theme slugs), ``goals`` (``key``, ``text``,
  ``problems``: problem keys, ``objectives``: ``key``, ``text``, ``target_in_days``) and
  ``interventions`` (``text``, ``goals``: goal keys). Keys only link the rows of the file; the
  plan gets the app's own ids (p1, g1, o1, i1 in file order).
- ``progress`` in a session after the plan was signed: ``goals`` (goal keys) and
  ``objectives`` (``{objective key = {rating = "some_progress", comment = "..."}}``).
- ``[measures]``: ``due`` (``{phq9 = "every_4_weeks"}``) and ``scores``
  (``{phq9 = [[days_ago, total], ...]}``, oldest first, each on the day of a session; a third
  number is the answer to the measure's risk items, such as PHQ-9 item 9). The answers are made
  up to give each total (``measures.scoring.answers_for_total``).
"""

import datetime

from django.utils import timezone

from measures import catalogue
from measures import services as measure_services
from measures.models import Frequency
from measures.scoring import answers_for_total
from plans import services as plan_services
from plans.models import Rating
from themes.models import Theme

from .datafiles import DemoDataError, check_table

PLAN_KEYS = {
    "signed_days_ago": int,
    "review_in_days": int,
    "problems": list,
    "goals": list,
    "interventions": list,
}
PROBLEM_KEYS = {"key": str, "text": str, "themes": list}
GOAL_KEYS = {"key": str, "text": str, "problems": list, "objectives": list}
OBJECTIVE_KEYS = {"key": str, "text": str, "target_in_days": int}
INTERVENTION_KEYS = {"text": str, "goals": list}
PROGRESS_KEYS = {"goals": list, "objectives": dict}
MEASURES_KEYS = {"due": dict, "scores": dict}
# Plans are signed in the evening of the session they were agreed in, before its note.
SIGNED_AT = datetime.time(19, 0)


# --- checking -------------------------------------------------------------------------------
def check_progress(story: dict, theme_slugs) -> None:
    """Raise DemoDataError, naming the key, for a plan, progress or measures that break the
    shape above or do not fit the story (a score on a day without a session)."""
    plan = story.get("plan")
    keys = _check_plan(plan, theme_slugs) if plan is not None else None
    days = {session["days_ago"] for session in story["sessions"]}
    if plan is not None and plan["signed_days_ago"] not in days:
        raise DemoDataError(f"plan.signed_days_ago: no session {plan['signed_days_ago']} days ago.")
    for index, session in enumerate(story["sessions"]):
        progress = session.get("progress")
        if progress is None:
            continue
        where = f"sessions[{index}].progress"
        if keys is None:
            raise DemoDataError(f"{where}: the story has no [plan] to record progress against.")
        if session["days_ago"] >= plan["signed_days_ago"]:
            raise DemoDataError(f"{where}: the session is not after the plan was signed.")
        _check_session_progress(progress, where, keys)
    if "measures" in story:
        _check_measures(story["measures"], story["sessions"])


def _check_plan(plan: dict, theme_slugs) -> dict[str, set[str]]:
    check_table(plan, "plan", PLAN_KEYS)
    problems = _keyed(plan["problems"], "plan.problems", PROBLEM_KEYS)
    for index, problem in enumerate(plan["problems"]):
        for slug in problem["themes"]:
            if slug not in theme_slugs:
                raise DemoDataError(f"plan.problems[{index}].themes: {slug!r} is not a theme.")
    goals = _keyed(plan["goals"], "plan.goals", GOAL_KEYS)
    if not goals:
        raise DemoDataError("plan.goals: a signed plan needs at least one goal.")
    objectives: set[str] = set()
    for index, goal in enumerate(plan["goals"]):
        where = f"plan.goals[{index}]"
        _links(goal["problems"], problems, f"{where}.problems")
        found = _keyed(goal["objectives"], f"{where}.objectives", OBJECTIVE_KEYS)
        if found & objectives:
            raise DemoDataError(f"{where}.objectives: a key is used twice: {sorted(found)}.")
        objectives |= found
    for index, intervention in enumerate(plan["interventions"]):
        where = f"plan.interventions[{index}]"
        check_table(intervention, where, INTERVENTION_KEYS)
        _links(intervention["goals"], goals, f"{where}.goals")
    return {"goals": goals, "objectives": objectives}


def _keyed(rows: list, where: str, keys: dict) -> set[str]:
    found = set()
    for index, row in enumerate(rows):
        check_table(row, f"{where}[{index}]", keys)
        if row["key"] in found:
            raise DemoDataError(f"{where}[{index}].key: {row['key']!r} is used twice.")
        found.add(row["key"])
    return found


def _links(values: list, known: set[str], where: str) -> None:
    for value in values:
        if value not in known:
            raise DemoDataError(f"{where}: {value!r} is not a key of the plan.")


def _check_session_progress(progress: dict, where: str, keys: dict) -> None:
    check_table(progress, where, {}, PROGRESS_KEYS)
    _links(progress.get("goals", []), keys["goals"], f"{where}.goals")
    for key, entry in progress.get("objectives", {}).items():
        inner = f"{where}.objectives.{key}"
        _links([key], keys["objectives"], inner)
        check_table(entry, inner, {"rating": str}, {"comment": str})
        if entry["rating"] not in Rating.values:
            expected = ", ".join(Rating.values)
            raise DemoDataError(f"{inner}.rating: {entry['rating']!r} is not one of {expected}.")


def _check_measures(measures: dict, sessions: list[dict]) -> None:
    check_table(measures, "measures", {}, MEASURES_KEYS)
    known = catalogue.all_measures()
    for slug, frequency in measures.get("due", {}).items():
        if slug not in known:
            raise DemoDataError(f"measures.due.{slug}: not a questionnaire.")
        if frequency not in Frequency.values:
            raise DemoDataError(f"measures.due.{slug}: {frequency!r} is not a frequency.")
    days = {session["days_ago"] for session in sessions}
    for slug, scores in measures.get("scores", {}).items():
        where = f"measures.scores.{slug}"
        if slug not in known:
            raise DemoDataError(f"{where}: not a questionnaire.")
        measure = known[slug]
        if not isinstance(scores, list):
            raise DemoDataError(f"{where}: expected a list of [days_ago, total].")
        for index, score in enumerate(scores):
            if not (
                isinstance(score, list)
                and len(score) in (2, 3)
                and all(type(number) is int for number in score)
            ):
                raise DemoDataError(f"{where}[{index}]: expected [days_ago, total] (or a risk).")
            if score[0] not in days:
                raise DemoDataError(f"{where}[{index}]: no session {score[0]} days ago.")
            try:
                _answers(measure, score)
            except ValueError as exc:
                raise DemoDataError(f"{where}[{index}]: {exc}") from None


def _answers(measure, score: list[int]) -> dict[int, int]:
    return answers_for_total(measure, score[1], risk=score[2] if len(score) == 3 else None)


# --- writing --------------------------------------------------------------------------------
def seed_plan(*, story: dict, client, user, rows: list, date_of, today: datetime.date) -> None:
    """Agree and sign the story's plan, and record each note's progress against it. Call
    before the notes are stored (``import_sessions``): a signed note's progress is locked."""
    plan = story.get("plan")
    if plan is None:
        return
    content, ids = _content(plan, today, user)
    draft = plan_services.start_draft(client=client, user=user)
    draft = plan_services.save_draft(
        version=draft,
        user=user,
        content=content,
        review_date=today + datetime.timedelta(days=plan["review_in_days"]),
        expected_version=draft.version,
    )
    signed_on = date_of(plan["signed_days_ago"])
    tz = timezone.get_current_timezone()
    version = plan_services.sign_version(
        version=draft, user=user, signed_at=datetime.datetime.combine(signed_on, SIGNED_AT, tz)
    )
    records = []
    for row, session in zip(rows, story["sessions"], strict=True):
        progress = session.get("progress")
        if progress:
            goals = [ids[key] for key in progress.get("goals", [])]
            objectives = {
                ids[key]: dict(entry) for key, entry in progress.get("objectives", {}).items()
            }
            records.append((row, goals, objectives))
    plan_services.import_progress(plan_version=version, records=records)


def _content(plan: dict, today: datetime.date, user) -> tuple[dict, dict[str, str]]:
    """The plan's content with the app's ids, and {key in the file: id}."""
    theme_ids = dict(Theme.objects.available_to(user).values_list("slug", "pk"))
    ids: dict[str, str] = {}

    def number(key: str, prefix: str) -> str:
        ids[key] = f"{prefix}{sum(1 for value in ids.values() if value[0] == prefix) + 1}"
        return ids[key]

    problems = [
        {
            "id": number(problem["key"], "p"),
            "text": problem["text"],
            "theme_ids": [theme_ids[slug] for slug in problem["themes"]],
        }
        for problem in plan["problems"]
    ]
    goals = []
    for goal in plan["goals"]:
        goal_id = number(goal["key"], "g")
        objectives = [
            {
                "id": number(objective["key"], "o"),
                "text": objective["text"],
                "target_date": today + datetime.timedelta(days=objective["target_in_days"]),
            }
            for objective in goal["objectives"]
        ]
        goals.append(
            {
                "id": goal_id,
                "text": goal["text"],
                "problem_ids": [ids[key] for key in goal["problems"]],
                "objectives": objectives,
            }
        )
    interventions = [
        {
            "id": f"i{index}",
            "text": intervention["text"],
            "goal_ids": [ids[key] for key in intervention["goals"]],
        }
        for index, intervention in enumerate(plan["interventions"], start=1)
    ]
    return {"problems": problems, "goals": goals, "interventions": interventions}, ids


def seed_measures(*, story: dict, client, user, date_of) -> int:
    """Record the story's questionnaires and set the measures due; how many were recorded.

    A score dated after the real today is left out: the services refuse a questionnaire from
    the future, which only a demo seeded for a later day (the schedule tests) would have."""
    measures = story.get("measures")
    if measures is None:
        return 0
    known = catalogue.all_measures()
    recorded = 0
    real_today = timezone.localdate()
    for slug, scores in measures.get("scores", {}).items():
        for score in scores:
            day = date_of(score[0])
            if day > real_today:
                continue
            measure_services.record_administration(
                client=client,
                measure_slug=slug,
                answers=_answers(known[slug], score),
                administered_on=day,
                user=user,
            )
            recorded += 1
    if measures.get("due"):
        measure_services.set_schedule(client=client, user=user, due=dict(measures["due"]))
    return recorded
