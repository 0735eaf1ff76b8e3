"""Reading a client's plan: its versions, and the progress the notes recorded, in date order.

The pages, the note form's aid, the dashboard and the case summary's report all read through
here, so that "the current plan" and "the progress of an objective" mean one thing everywhere.
"""

import datetime
import uuid
from dataclasses import dataclass

from themes.models import Theme

from .models import NoteProgress, PlanStatus, PlanVersion, Rating


def latest_signed(client) -> PlanVersion | None:
    """The client's current plan: the newest signed version (None if none was ever signed)."""
    versions = PlanVersion.objects.filter(client=client, status=PlanStatus.SIGNED)
    return versions.order_by("-number").first()


def current_draft(client) -> PlanVersion | None:
    return PlanVersion.objects.filter(client=client, status=PlanStatus.DRAFT).first()


def all_versions(client) -> list[PlanVersion]:
    """Every version, newest first, with who signed each."""
    return list(
        PlanVersion.objects.filter(client=client).select_related("signed_by").order_by("-number")
    )


RATING_CLASSES = {
    Rating.WORSE: "text-bg-danger",
    Rating.NO_CHANGE: "text-bg-secondary",
    Rating.SOME_PROGRESS: "text-bg-info",
    Rating.ACHIEVED: "text-bg-success",
}


@dataclass(frozen=True)
class Entry:
    """One note's rating of one objective."""

    date: datetime.date
    rating: str  # a Rating value, or "" (a comment without a rating)
    comment: str
    session_id: uuid.UUID
    signed: bool

    @property
    def rating_label(self) -> str:
        return Rating(self.rating).label if self.rating in Rating.values else "Not rated"

    @property
    def rating_class(self) -> str:
        """The badge's Bootstrap colours (legible in light and dark mode)."""
        return RATING_CLASSES.get(self.rating, "text-bg-light border")


@dataclass(frozen=True)
class Progress:
    """What the client's notes recorded, oldest note first."""

    by_objective: dict[str, list[Entry]]
    goal_notes: dict[str, int]  # goal id: how many notes addressed it
    notes: int


def progress(client) -> Progress:
    """Every note's progress of the client, by objective (ids are stable across versions, so
    an objective's history goes back through every version that had it)."""
    rows = (
        NoteProgress.objects.filter(client=client)
        .select_related("session")
        .order_by("session__date", "session__start_time")
    )
    by_objective: dict[str, list[Entry]] = {}
    goal_notes: dict[str, int] = {}
    count = 0
    for row in rows:
        count += 1
        session = row.session
        for goal_id in row.goals_addressed():
            goal_notes[goal_id] = goal_notes.get(goal_id, 0) + 1
        for objective_id, value in row.objective_entries().items():
            by_objective.setdefault(objective_id, []).append(
                Entry(
                    date=session.date,
                    rating=value.get("rating") or "",
                    comment=value.get("comment") or "",
                    session_id=session.pk,
                    signed=session.is_signed,
                )
            )
    return Progress(by_objective=by_objective, goal_notes=goal_notes, notes=count)


def theme_names(version: PlanVersion, user) -> dict[int, str]:
    """{theme id: name} of the themes the version's problems link to (those the therapist may
    still use: a deleted custom theme simply drops out)."""
    ids = {pk for problem in version.content.get("problems", []) for pk in problem["theme_ids"]}
    if not ids:
        return {}
    themes = Theme.objects.available_to(user).filter(pk__in=ids)
    return dict(themes.values_list("pk", "name"))
