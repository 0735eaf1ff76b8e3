"""The plan pages: a client's plan (the current version, the draft, the versions and the
progress per objective), the editor, signing and discarding a draft, and each old version,
read-only. Every write goes through plans.services; every page that shows a plan is audited."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client
from integrity.check import check_children
from sessions.forms import posted_version

from . import pages, reading, services
from .content import (
    MAX_OBJECTIVES,
    MAX_OBJECTIVES_PER_GOAL,
    MAX_ROWS,
    MAX_THEMES,
    empty_content,
    ids_in,
    parse_date,
    signing_problems,
)
from .forms import BlankRows, PlanForm
from .models import PlanVersion, SignedPlanError


def _client(request: HttpRequest, pk) -> Client:
    return get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)


def _described(version: PlanVersion, user) -> dict:
    """A version's content as the pages show it: rows numbered, links and themes by name."""
    content = version.content
    names = reading.theme_names(version, user)
    problem_number = {row["id"]: n for n, row in enumerate(content["problems"], 1)}
    goal_number = {row["id"]: n for n, row in enumerate(content["goals"], 1)}
    return {
        "problems": [
            {"text": row["text"], "themes": [names[pk] for pk in row["theme_ids"] if pk in names]}
            for row in content["problems"]
        ],
        "goals": [
            {
                "text": row["text"],
                "problems": [
                    problem_number[pk] for pk in row["problem_ids"] if pk in problem_number
                ],
                "objectives": [
                    {"text": o["text"], "target_date": parse_date(o["target_date"])}
                    for o in row["objectives"]
                ],
            }
            for row in content["goals"]
        ],
        "interventions": [
            {
                "text": row["text"],
                "goals": [goal_number[pk] for pk in row["goal_ids"] if pk in goal_number],
            }
            for row in content["interventions"]
        ],
    }


def _audit_view(request, *, client, version, intact: bool) -> None:
    log_event(action=Action.VIEW_PLAN, request=request, obj=version or client, client=client)
    if not intact:
        log_event(
            action=Action.INTEGRITY_FAILURE,
            request=request,
            obj=version,
            client=client,
            outcome=Outcome.FAILED,
        )


@require_http_methods(["GET"])
def plan_detail(request: HttpRequest, client_pk) -> HttpResponse:
    client = _client(request, client_pk)
    # A version or a note's progress deleted, moved in or put back outside the application is
    # refused here, before anything of the plan is shown.
    check_children(client)
    versions = reading.all_versions(client)
    latest = next((v for v in versions if v.is_signed), None)
    draft = next((v for v in versions if not v.is_signed), None)
    broken = [v.number for v in versions if not v.integrity_ok()]
    _audit_view(request, client=client, version=latest or draft, intact=not broken)
    context = {
        "client": client,
        "latest": latest,
        "draft": draft,
        "versions": versions,
        "broken": broken,
    }
    if latest is not None:
        context["latest_content"] = _described(latest, request.user)
        context["goals"] = pages.goal_rows(latest, reading.progress(client))
        context["review"] = pages.review_state(latest.review_date, timezone.localdate())
    if draft is not None:
        context["draft_content"] = _described(draft, request.user)
        context["draft_needs"] = signing_problems(draft.content, draft.review_date)
    return render(request, "plans/plan_detail.html", context)


def _editor(request, form: PlanForm, *, client, draft, status: int = 200) -> HttpResponse:
    return render(
        request,
        "plans/plan_form.html",
        {
            "client": client,
            "draft": draft,
            "form": form,
            "blank": BlankRows(user=request.user, content=form.base),
            "next_keys": form.next_keys(),
            "limits": {
                "rows": MAX_ROWS,
                "objectives": MAX_OBJECTIVES,
                "goal_objectives": MAX_OBJECTIVES_PER_GOAL,
                "themes": MAX_THEMES,
            },
        },
        status=status,
    )


def _with_current_draft(form: PlanForm, draft: PlanVersion | None) -> PlanForm:
    """The refused form, now naming the draft as stored, so that saving it again replaces
    that draft with what is typed (the page says so)."""
    form.data = form.data.copy()
    form.data["draft"] = str(draft.pk) if draft else ""
    form.data["version"] = str(draft.version) if draft else ""
    return form


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, client_pk) -> HttpResponse:
    client = _client(request, client_pk)
    latest, draft = reading.current_versions(client)
    base = draft or latest
    content = base.content if base else empty_content()
    # The rows a post may name: the draft's, and those of the signed version it was copied
    # from. A new row has no id until the service gives it one.
    known_ids = ids_in(content) | (ids_in(latest.content) if latest else set())
    if request.method == "GET":
        _audit_view(request, client=client, version=base, intact=True)
        initial = {
            "review_date": base.review_date if base else None,
            "version": draft.version if draft else None,
            "draft": draft.pk if draft else None,
        }
        form = PlanForm(user=request.user, content=content, initial=initial)
        return _editor(request, form, client=client, draft=draft)
    form = PlanForm(request.POST, user=request.user, content=content, known_ids=known_ids)
    if not form.is_valid():
        return _editor(request, form, client=client, draft=draft)
    posted = form.cleaned_data["draft"]
    try:
        with transaction.atomic():
            if posted is None and draft is not None:
                raise services.PlanConflict(
                    "A draft of this plan was started in another tab or on another device."
                )
            if posted is not None and (draft is None or draft.pk != posted):
                raise services.PlanConflict(
                    "The draft this page edits was signed or discarded in the meantime."
                )
            if draft is None:
                version = services.start_draft(client=client, user=request.user, request=request)
                expected = version.version
            else:
                version, expected = draft, form.cleaned_data["version"] or 0
            services.save_draft(
                version=version,
                user=request.user,
                content=form.content,
                review_date=form.cleaned_data["review_date"],
                expected_version=expected,
                request=request,
            )
    except services.PlanConflict as conflict:
        form = _with_current_draft(form, reading.current_draft(client))
        form.add_error(
            None,
            f"{conflict} Nothing was saved. What you typed is below: save it again to make "
            "it the draft (open the plan in another tab first to see what it holds now).",
        )
        return _editor(request, form, client=client, draft=draft)
    except (ValidationError, SignedPlanError) as error:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
        return _editor(request, form, client=client, draft=draft)
    messages.success(request, "Draft saved. Sign it to make it the client's plan.")
    return redirect("plan_detail", client_pk=client.pk)


def _posted_draft(request: HttpRequest, client) -> PlanVersion | None:
    """The draft the page showed, if it is still the client's draft."""
    try:
        posted = uuid.UUID(request.POST.get("draft", ""))
    except ValueError:
        return None
    draft = reading.current_draft(client)
    return draft if draft is not None and draft.pk == posted else None


@require_http_methods(["POST"])
def plan_sign(request: HttpRequest, client_pk) -> HttpResponse:
    client = _client(request, client_pk)
    draft = _posted_draft(request, client)
    expected = posted_version(request.POST)
    if draft is None or expected is None:
        messages.error(
            request,
            "This draft was signed, discarded or replaced in the meantime: nothing was signed. "
            "Read the plan below.",
        )
        return redirect("plan_detail", client_pk=client.pk)
    try:
        version = services.sign_version(
            version=draft, user=request.user, expected_version=expected, request=request
        )
    except ValidationError as error:
        messages.error(request, "Not signed. " + " ".join(error.messages))
    except services.PlanConflict:
        messages.error(
            request,
            "The draft changed since you opened it (in another tab or device), so it was not "
            "signed. Read it below, then sign again.",
        )
    except SignedPlanError:
        messages.info(request, "This version was already signed; nothing was changed.")
    else:
        messages.success(
            request,
            f"Plan signed as version {version.number}. It is now locked: editing the plan "
            "starts a new version.",
        )
    return redirect("plan_detail", client_pk=client.pk)


@require_http_methods(["POST"])
def plan_discard(request: HttpRequest, client_pk) -> HttpResponse:
    client = _client(request, client_pk)
    draft = _posted_draft(request, client)
    if draft is None:
        messages.info(request, "That draft is no longer there; nothing was discarded.")
    else:
        services.discard_draft(version=draft, user=request.user, request=request)
        messages.info(request, "The draft was discarded. The signed versions are kept.")
    return redirect("plan_detail", client_pk=client.pk)


@require_http_methods(["GET"])
def plan_version_detail(request: HttpRequest, pk) -> HttpResponse:
    version = get_object_or_404(
        PlanVersion.objects.for_therapist(request.user).select_related(
            "client", "signed_by", "created_by"
        ),
        pk=pk,
    )
    client = version.client
    intact = version.integrity_ok()
    _audit_view(request, client=client, version=version, intact=intact)
    newest = reading.latest_signed(client)
    return render(
        request,
        "plans/plan_version_detail.html",
        {
            "client": client,
            "version": version,
            "content": _described(version, request.user),
            "intact": intact,
            "superseded": newest is not None and newest.number > version.number,
        },
    )
