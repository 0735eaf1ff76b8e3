"""What the plans app adds to other apps' pages, through their extension points (registered in
PlansConfig.ready): the client page's "Treatment plan" section (clients.pages), the dashboard's
review reminders and the note page's recorded progress (sessions.panels)."""

import datetime

from django.utils import timezone

from clients.models import ClientStatus

from . import reading
from .content import parse_date
from .models import NoteProgress, PlanVersion

REVIEW_SOON_DAYS = 7


def review_state(review_date: datetime.date | None, today: datetime.date) -> str:
    """ "overdue" (the date has passed), "due" (today or within a week) or ""."""
    if review_date is None:
        return ""
    if review_date < today:
        return "overdue"
    if review_date <= today + datetime.timedelta(days=REVIEW_SOON_DAYS):
        return "due"
    return ""


def goal_rows(version: PlanVersion, progress: reading.Progress) -> list[dict]:
    """Each goal with its objectives and what the notes recorded for each, oldest first."""
    return [
        {
            "id": goal["id"],
            "text": goal["text"],
            "notes": progress.goal_notes.get(goal["id"], 0),
            "objectives": [
                {
                    "id": objective["id"],
                    "text": objective["text"],
                    "target_date": parse_date(objective["target_date"]),
                    "entries": progress.by_objective.get(objective["id"], []),
                }
                for objective in goal["objectives"]
            ],
        }
        for goal in version.goals()
    ]


def client_page_plan(request, *, client, sessions) -> dict:
    latest = reading.latest_signed(client)
    draft = reading.current_draft(client)
    section = {"client": client, "latest": latest, "draft": draft}
    if latest is not None:
        section["goals"] = goal_rows(latest, reading.progress(client))
        section["review"] = review_state(latest.review_date, timezone.localdate())
    return {"client_sections": [("plans/includes/client_plan.html", section)]}


def dashboard_reviews(*, request) -> list[tuple[str, dict]]:
    """The signed plans whose review date has passed or comes within a week, soonest first."""
    today = timezone.localdate()
    signed = (
        PlanVersion.objects.for_therapist(request.user)
        .signed()
        .select_related("client")
        .order_by("client_id", "-number")
    )
    reviews, seen = [], set()
    for version in signed:
        if version.client_id in seen:
            continue  # an older version: the newest one holds the review date
        seen.add(version.client_id)
        if version.client.status == ClientStatus.DISCHARGED:
            continue
        state = review_state(version.review_date, today)
        if state:
            reviews.append({"client": version.client, "date": version.review_date, "state": state})
    if not reviews:
        return []
    reviews.sort(key=lambda review: (review["date"], review["client"].number))
    return [("plans/includes/dashboard_reviews.html", {"reviews": reviews})]


def note_progress(*, request, session) -> list[tuple[str, dict]]:
    """The goals the note addressed and the progress it recorded, as the plan then read."""
    progress = NoteProgress.objects.filter(session=session).select_related("plan_version").first()
    if progress is None:
        return []
    version = progress.plan_version
    addressed = set(progress.goals_addressed())
    recorded = progress.objective_entries()
    goals = [goal for goal in version.goals() if goal["id"] in addressed]
    objectives = [
        {
            "text": objective["text"],
            "entry": reading.Entry(
                date=session.date,
                rating=recorded[objective["id"]].get("rating", ""),
                comment=recorded[objective["id"]].get("comment", ""),
                session_id=session.pk,
                signed=session.is_signed,
            ),
        }
        for objective in version.objectives()
        if objective["id"] in recorded
    ]
    if not goals and not objectives:
        return []
    context = {
        "version": version,
        "goals": goals,
        "objectives": objectives,
        "client": session.client,
    }
    return [("plans/includes/note_progress.html", context)]
