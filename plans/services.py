"""Writes to treatment plans: the one door for every write to a plan and to a note's progress.

Starting, saving, signing and discarding a draft, and recording a note's progress, all go
through the keyword-only functions here, each in one transaction and audited (never with its
content). Every conditional write checks its condition in the UPDATE that writes, so two tabs
never silently overwrite each other, and a signed version is never written again.
"""

import copy
import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.utils import timezone

from audit.models import Action
from audit.services import log_event
from encryption.validators import validate_plain_text
from sessions.models import NoteStatus, TherapySession
from themes.models import Theme

from . import reading
from .content import assign_ids, empty_content, ids_in, signing_problems, validated
from .models import (
    LockedProgressError,
    NoteProgress,
    PlanStatus,
    PlanVersion,
    Rating,
    SignedPlanError,
    TreatmentPlan,
)

COMMENT_MAX_CHARS = 1_000


class PlanConflict(Exception):
    """The draft changed (or was signed or discarded) since the page was loaded."""


def _check_owner(client, user) -> None:
    if user is None or client.therapist_id != user.pk:
        raise PermissionDenied("This client is not one of yours.")


def _update_where(instance: models.Model, fields: list[str], **conditions) -> int:
    """UPDATE the row of ``instance`` with its current values of ``fields``, only where the
    conditions hold (as sessions.services does); the number of rows written, 0 or 1."""
    model = type(instance)
    values = {}
    for name in fields:
        field = model._meta.get_field(name)
        values[field.attname] = field.pre_save(instance, add=False)
    extra = conditions.pop("_set", {})
    return model.objects.filter(pk=instance.pk, **conditions).update(**values, **extra)


def _plan_of(client) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(client=client).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            plan = TreatmentPlan(client=client)
            plan.save(force_insert=True)
            return plan
    except IntegrityError:  # another request made it first
        return TreatmentPlan.objects.get(client=client)


# --- the plan's versions ----------------------------------------------------------------------


def start_draft(*, client, user, request=None) -> PlanVersion:
    """The client's draft: the one being written, or a new one copied from the latest signed
    version (empty for a first plan). There is never more than one draft."""
    _check_owner(client, user)
    with transaction.atomic():
        plan = _plan_of(client)
        existing = plan.versions.drafts().first()
        if existing is not None:
            return existing
        latest = reading.latest_signed(client)
        number = (plan.versions.aggregate(Max("number"))["number__max"] or 0) + 1
        draft = PlanVersion(
            plan=plan,
            client=client,
            number=number,
            created_by=user,
            content=copy.deepcopy(latest.content) if latest else empty_content(),
            review_date=latest.review_date if latest else None,
        )
        try:
            with transaction.atomic():
                draft.save(force_insert=True)
        except IntegrityError:  # two tabs started one at once: the first one is the draft
            existing = plan.versions.drafts().first()
            if existing is None:
                raise
            return existing
        log_event(action=Action.EDIT_PLAN, request=request, user=user, obj=draft, client=client)
    return draft


def allowed_theme_ids(user) -> set[int]:
    return set(Theme.objects.available_to(user).values_list("pk", flat=True))


@transaction.atomic
def save_draft(
    *, version: PlanVersion, user, content: dict, review_date, expected_version: int, request=None
) -> PlanVersion:
    """Write the draft's content and review date if nobody saved it since ``expected_version``
    was read. Rows without an id get new ones; a ValidationError lists what is wrong."""
    client = version.client
    _check_owner(client, user)
    status = PlanVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
    if status == PlanStatus.SIGNED:
        raise SignedPlanError("This version is signed and cannot change; edit the plan again.")
    if status is None:
        raise PlanConflict("This draft was discarded in the meantime.")
    if review_date is not None and (
        not isinstance(review_date, datetime.date) or isinstance(review_date, datetime.datetime)
    ):
        raise ValidationError("The review date is not a date.")
    used = set().union(*(ids_in(v.content) for v in PlanVersion.objects.filter(plan=version.plan)))
    version.content = validated(
        assign_ids(copy.deepcopy(content), used), theme_ids=allowed_theme_ids(user)
    )
    version.review_date = review_date
    written = _update_where(
        version,
        ["content", "review_date", "updated_at"],
        version=expected_version,
        status=PlanStatus.DRAFT,
        _set={"version": F("version") + 1},
    )
    if not written:
        raise PlanConflict("The draft was changed since this page was opened.")
    version.version = expected_version + 1
    log_event(action=Action.EDIT_PLAN, request=request, user=user, obj=version, client=client)
    return version


@transaction.atomic
def sign_version(
    *,
    version: PlanVersion,
    user,
    expected_version: int | None = None,
    signed_at: datetime.datetime | None = None,
    request=None,
) -> PlanVersion:
    """Sign the draft: signer, time and content seal in one UPDATE. It never changes again.
    ``signed_at``: for imports and seeding only (pages sign now)."""
    client = version.client
    _check_owner(client, user)
    stored = PlanVersion.objects.filter(pk=version.pk).first()
    if stored is None:
        raise PlanConflict("This draft was discarded in the meantime.")
    if stored.is_signed:
        raise SignedPlanError("This version was already signed.")
    problems = signing_problems(stored.content, stored.review_date)
    if problems:
        raise ValidationError(problems)
    conditions = {"pk": stored.pk, "status": PlanStatus.DRAFT}
    if expected_version is not None:
        conditions["version"] = expected_version
    written = PlanVersion.objects.filter(**conditions).update(
        status=PlanStatus.SIGNED,
        signed_at=signed_at or timezone.now(),
        signed_by=user,
        content_hash=stored.content_digest(),
        version=F("version") + 1,
    )
    if not written:
        raise PlanConflict("The draft was changed since this page was opened.")
    version.refresh_from_db()
    log_event(action=Action.SIGN_PLAN, request=request, user=user, obj=version, client=client)
    return version


@transaction.atomic
def discard_draft(*, version: PlanVersion, user, request=None) -> None:
    """Throw away a draft nobody signed (the signed versions are kept)."""
    client = version.client
    _check_owner(client, user)
    if PlanVersion.objects.filter(pk=version.pk, status=PlanStatus.SIGNED).exists():
        raise SignedPlanError("A signed version is kept; it cannot be discarded.")
    log_event(action=Action.EDIT_PLAN, request=request, user=user, obj=version, client=client)
    PlanVersion.objects.filter(pk=version.pk, status=PlanStatus.DRAFT).delete()


# --- a note's progress ------------------------------------------------------------------------


def progress_entries(version: PlanVersion | None, goals_addressed, objectives) -> dict:
    """The stored form of a note's progress against ``version``, or a ValidationError naming
    what is wrong (a goal or objective not in the plan, a rating that is none of the four)."""
    goals_addressed = list(goals_addressed or [])
    objectives = dict(objectives or {})
    wanted = [v for v in objectives.values() if v and (v.get("rating") or v.get("comment"))]
    if version is None:
        if goals_addressed or wanted:
            raise ValidationError("This client has no signed treatment plan to record against.")
        return {"goals_addressed": [], "objectives": {}}
    goal_ids = [goal["id"] for goal in version.goals()]
    objective_ids = [objective["id"] for objective in version.objectives()]
    errors = []
    for goal_id in goals_addressed:
        if goal_id not in goal_ids:
            errors.append(f"Goal {goal_id!s:.20} is not in the client's current plan.")
    entries = {}
    for objective_id, value in objectives.items():
        if objective_id not in objective_ids:
            errors.append(f"Objective {objective_id!s:.20} is not in the client's current plan.")
            continue
        if not isinstance(value, dict):
            errors.append(f"The progress of objective {objective_id} is not a rating.")
            continue
        rating, comment = value.get("rating") or "", value.get("comment") or ""
        if rating and rating not in Rating.values:
            errors.append(
                f"“{rating!s:.30}” is not a rating: choose worse, no change, some progress or "
                "achieved."
            )
        if not isinstance(comment, str) or len(comment) > COMMENT_MAX_CHARS:
            errors.append(f"A progress comment holds at most {COMMENT_MAX_CHARS:,} characters.")
            continue
        try:
            validate_plain_text(comment)
        except ValidationError as error:
            errors.extend(error.messages)
        if rating or comment.strip():
            entries[objective_id] = {"rating": rating, "comment": comment.strip()}
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))
    ordered_goals = [goal_id for goal_id in goal_ids if goal_id in set(goals_addressed)]
    ordered = {key: entries[key] for key in objective_ids if key in entries}
    return {"goals_addressed": ordered_goals, "objectives": ordered}


@transaction.atomic
def record_progress(
    *, session: TherapySession, user, goals_addressed, objectives, request=None
) -> NoteProgress | None:
    """Store what a draft note records against the client's current (latest signed) plan:
    ``goals_addressed`` (goal ids) and ``objectives`` ({objective id: {"rating", "comment"}}).
    The note's saver calls this in the note's own transaction, before a *Save and sign* signs.
    Nothing to record and nothing recorded before: nothing is stored (None)."""
    client = session.client
    _check_owner(client, user)
    if TherapySession.objects.filter(pk=session.pk, status=NoteStatus.SIGNED).exists():
        raise LockedProgressError("The note is signed: its plan progress is locked with it.")
    version = reading.latest_signed(client)
    entries = progress_entries(version, goals_addressed, objectives)
    progress = NoteProgress.objects.filter(session=session).first()
    if progress is None:
        if not (entries["goals_addressed"] or entries["objectives"]):
            return None
        progress = NoteProgress(session=session, client=client, plan_version=version)
        progress.entries = entries
        progress.save(force_insert=True)
    else:
        if version is not None:
            progress.plan_version = version
        progress.entries = entries
        progress.save()
    log_event(
        action=Action.RECORD_PROGRESS, request=request, user=user, obj=progress, client=client
    )
    return progress


def import_progress(
    *, plan_version: PlanVersion, records: Iterable[tuple[TherapySession, list, dict]]
) -> list[NoteProgress]:
    """Progress made elsewhere (the demo caseload): (session, goal ids, objectives) per note,
    against a signed ``plan_version``. A signed note's progress can only be written before the
    note is stored as signed: call this in the same transaction as, and before,
    ``sessions.services.import_sessions`` (the database refuses it afterwards)."""
    if not plan_version.is_signed:
        raise ValueError("Progress is recorded against a signed plan version.")
    made = []
    for session, goal_ids, objectives in records:
        if session.client_id != plan_version.client_id:
            raise ValueError("A note's progress is recorded against its own client's plan.")
        progress = NoteProgress(session=session, client_id=session.client_id)
        progress.plan_version = plan_version
        progress.entries = progress_entries(plan_version, goal_ids, objectives)
        made.append(progress)
    with transaction.atomic():
        NoteProgress.objects.bulk_create(made)
    return made
