"""What the plans app adds to other apps' pages, through their extension points (registered in
PlansConfig.ready): the client page's "Treatment plan" section (clients.pages), the dashboard's
review reminders and the note page's recorded progress (sessions.panels)."""

import datetime
import logging

from django.utils import timezone

from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client, ClientStatus
from encryption.middleware import UNREADABLE

from . import reading
from .content import parse_date
from .models import NoteProgress, PlanVersion

REVIEW_SOON_DAYS = 7
logger = logging.getLogger("encryption.integrity")


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
    """The client page's plan section. The page has loaded and checked the client's sessions:
    the notes' dates and statuses come from them, not from a second read of every session."""
    latest, draft = reading.current_versions(client)
    section = {"client": client, "latest": latest, "draft": draft}
    if latest is not None:
        section["goals"] = goal_rows(latest, reading.progress(client, sessions=sessions))
        section["review"] = review_state(latest.review_date, timezone.localdate())
    return {"client_sections": [("plans/includes/client_plan.html", section)]}


def dashboard_reviews(*, request) -> list[tuple[str, dict]]:
    """The signed plans whose review date has passed or comes within a week, soonest first.

    A plan version that fails its check (changed, moved or put in outside the application) is
    refused whole on the plan's own pages; here it must not take the day's dashboard with it.
    Its client is named in a red panel instead (the failure audited once), and the reviews are
    read again without that client's plan."""
    unchecked: dict = {}  # client id: client
    while True:
        try:
            reviews = _reviews(request.user, leave_out=list(unchecked))
            break
        except UNREADABLE as error:
            client = _client_of_failure(error, request.user)
            if client is None or client.pk in unchecked:
                raise  # not a plan version of the therapist's: the page refuses it as before
            unchecked[client.pk] = client
            _record_failure(request, error, client)
    panels = []
    if unchecked:
        clients = sorted(unchecked.values(), key=lambda client: client.number)
        panels.append(("plans/includes/dashboard_unchecked.html", {"clients": clients}))
    if reviews:
        panels.append(("plans/includes/dashboard_reviews.html", {"reviews": reviews}))
    return panels


def _reviews(user, *, leave_out: list) -> list[dict]:
    today = timezone.localdate()
    signed = (
        PlanVersion.objects.for_therapist(user)
        .signed()
        .exclude(client_id__in=leave_out)
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
    reviews.sort(key=lambda review: (review["date"], review["client"].number))
    return reviews


def _client_of_failure(error: Exception, user) -> Client | None:
    """The therapist's client whose plan version could not be read (None: not a version)."""
    if getattr(error, "model", None) is not PlanVersion:
        return None
    rows = PlanVersion._base_manager.filter(pk=getattr(error, "row_id", None))
    client_id = rows.values_list("client_id", flat=True).first()  # plain column, no decryption
    return Client.objects.for_therapist(user).filter(pk=client_id).first()


def _record_failure(request, error: Exception, client: Client) -> None:
    """As encryption.middleware records a refused page: a log line and an audit entry naming
    the record and the client's code, never a value."""
    logger.error(
        "Unreadable plan version (%s) on the dashboard: %s row %s",
        error.__class__.__name__,
        PlanVersion._meta.label,
        error.row_id,
    )
    log_event(
        action=Action.INTEGRITY_FAILURE,
        request=request,
        object_type=PlanVersion._meta.model_name,
        object_id=str(error.row_id),
        client=client,
        outcome=Outcome.FAILED,
    )


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
