"""A client's treatment plan and the progress the notes recorded, as plain data: for the case
summary (summaries) and anything else that reports on a plan without reading the models."""

import datetime
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from . import reading
from .content import parse_date


class ProgressEntry(NamedTuple):
    """One note's progress on one objective. ``signed``: whether the note is signed; a draft
    note's progress can still change, and a report says so or leaves it out."""

    date: datetime.date
    rating: str  # the rating's label ("Some progress", "Not rated")
    comment: str
    session_id: uuid.UUID
    signed: bool


@dataclass(frozen=True)
class ObjectiveProgress:
    objective_id: str
    text: str
    target_date: datetime.date | None
    entries: tuple[ProgressEntry, ...]  # oldest first


@dataclass(frozen=True)
class GoalReport:
    goal_id: str
    text: str
    objectives: tuple[ObjectiveProgress, ...]


@dataclass(frozen=True)
class PlanReport:
    version_number: int
    signed_at: datetime.datetime | None
    signed_by: str
    review_date: datetime.date | None
    problems: tuple[tuple[str, tuple[str, ...]], ...]  # (text, theme names)
    goals: tuple[GoalReport, ...]
    interventions: tuple[str, ...]
    has_draft: bool


def plan_report(client, *, sessions=None) -> PlanReport | None:
    """The client's latest signed plan version (None if none was ever signed), with the
    progress every note recorded for its objectives. ``sessions``: the client's sessions as
    the caller has already loaded them (``reading.progress``)."""
    version, draft = reading.current_versions(client)
    if version is None:
        return None
    progress = reading.progress(client, sessions=sessions)
    names = reading.theme_names(version, client.therapist)
    signer = version.signed_by
    return PlanReport(
        version_number=version.number,
        signed_at=version.signed_at,
        signed_by=(signer.get_full_name() or signer.get_username()) if signer else "",
        review_date=version.review_date,
        problems=tuple(
            (row["text"], tuple(names[pk] for pk in row["theme_ids"] if pk in names))
            for row in version.content["problems"]
        ),
        goals=tuple(
            GoalReport(
                goal_id=goal["id"],
                text=goal["text"],
                objectives=tuple(
                    ObjectiveProgress(
                        objective_id=objective["id"],
                        text=objective["text"],
                        target_date=parse_date(objective["target_date"]),
                        entries=tuple(
                            ProgressEntry(
                                date=entry.date,
                                rating=entry.rating_label,
                                comment=entry.comment,
                                session_id=entry.session_id,
                                signed=entry.signed,
                            )
                            for entry in progress.by_objective.get(objective["id"], [])
                        ),
                    )
                    for objective in goal["objectives"]
                ),
            )
            for goal in version.goals()
        ),
        interventions=tuple(row["text"] for row in version.content["interventions"]),
        has_draft=draft is not None,
    )
