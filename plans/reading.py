"""Reading a client's plan: its versions, and the progress the notes recorded, in date order.

The pages, the note form's aid, the dashboard and the case summary's report all read through
here, so that "the current plan" and "the progress of an objective" mean one thing everywhere.
"""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, Subquery

from integrity.check import check_loaded
from sessions.models import TherapySession
from themes.models import Theme

from .models import NoteProgress, PlanStatus, PlanVersion, Rating


def latest_signed(client) -> PlanVersion | None:
    """The client's current plan: the newest signed version (None if none was ever signed)."""
    versions = PlanVersion.objects.filter(client=client, status=PlanStatus.SIGNED)
    return versions.order_by("-number").first()


def current_draft(client) -> PlanVersion | None:
    return PlanVersion.objects.filter(client=client, status=PlanStatus.DRAFT).first()


def current_versions(client) -> tuple[PlanVersion | None, PlanVersion | None]:
    """(latest_signed, current_draft) in one query (and one read of the integrity ledger for
    both), for the pages that show both."""
    newest_signed = (
        PlanVersion.objects.filter(client=client, status=PlanStatus.SIGNED)
        .order_by("-number")
        .values("pk")[:1]
    )
    versions = list(
        PlanVersion.objects.filter(client=client).filter(
            Q(status=PlanStatus.DRAFT) | Q(pk=Subquery(newest_signed))
        )
    )
    latest = next((version for version in versions if version.is_signed), None)
    draft = next((version for version in versions if not version.is_signed), None)
    return latest, draft


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


def progress(client, *, sessions: Iterable[TherapySession] | None = None) -> Progress:
    """Every note's progress of the client, by objective (ids are stable across versions, so
    an objective's history goes back through every version that had it).

    ``sessions``: the client's sessions as a page has already loaded them (the client page's).
    Each entry's date and status are then taken from them, rather than each note's whole
    session row being read (and its ciphertexts hashed against the ledger) a second time.
    Without them, the sessions are joined in. Either way every session shown is one checked
    against the integrity ledger, as is every progress row (SealedQuerySet)."""
    if sessions is None:
        rows = (
            NoteProgress.objects.filter(client=client)
            .select_related("session")
            .order_by("session__date", "session__start_time")
        )
        notes = [(row, row.session) for row in rows]
    else:
        notes = _with_sessions(list(NoteProgress.objects.filter(client=client)), sessions)
    by_objective: dict[str, list[Entry]] = {}
    goal_notes: dict[str, int] = {}
    for row, session in notes:
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
    return Progress(by_objective=by_objective, goal_notes=goal_notes, notes=len(notes))


def _with_sessions(
    rows: list[NoteProgress], sessions: Iterable[TherapySession]
) -> list[tuple[NoteProgress, TherapySession]]:
    """Each progress row with its session from ``sessions`` (read, checked, should one not be
    among them), oldest note first."""
    by_id = {session.pk: session for session in sessions}
    missing = {row.session_id for row in rows} - by_id.keys()
    if missing:
        by_id.update(
            (session.pk, session) for session in TherapySession.objects.filter(pk__in=missing)
        )
    notes = [(row, by_id[row.session_id]) for row in rows]
    # A session the caller loaded without the ledger's check is checked here (those already
    # checked, as the client page's are, are skipped without a query).
    check_loaded([session for _row, session in notes])
    notes.sort(key=lambda note: (note[1].date, note[1].start_time))
    return notes


def theme_names(version: PlanVersion, user) -> dict[int, str]:
    """{theme id: name} of the themes the version's problems link to (those the therapist may
    still use: a deleted custom theme simply drops out)."""
    ids = {pk for problem in version.content.get("problems", []) for pk in problem["theme_ids"]}
    if not ids:
        return {}
    themes = Theme.objects.available_to(user).filter(pk__in=ids)
    return dict(themes.values_list("pk", "name"))
