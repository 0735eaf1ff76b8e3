"""Theme suggestions for the session form (computed on request, never stored or logged), and the
themes a therapist marks "not for this client"."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from clients.models import Client
from sessions.models import TherapySession

from .models import Theme
from .suggest.service import (
    exact_theme_ids,
    exclude_theme,
    excluded_theme_ids,
    include_theme,
    parse_theme_ids,
    risk_notices,
    suggestions_for,
)


def _client_or_404(request: HttpRequest, client_id: str) -> Client:
    try:
        pk = uuid.UUID(client_id)
    except ValueError:
        raise Http404("No such client.") from None
    return get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)


@sensitive_post_parameters()
@require_http_methods(["POST"])
def theme_suggestions(request: HttpRequest) -> JsonResponse:
    # Twice the note limit covers every text field of the form together.
    text = request.POST.get("text", "")[: 2 * settings.NOTE_MAX_CHARS]
    client_id = request.POST.get("client", "")
    client = _client_or_404(request, client_id) if client_id else None
    themes, risk = suggestions_for(
        text,
        request.user,
        plan=request.POST.get("plan", "")[: settings.NOTE_MAX_CHARS],
        client=client,
        exclude_ids=parse_theme_ids(request.POST.get("dismissed", "")),
    )
    return JsonResponse({"themes": themes, "risk": risk_notices(risk)})


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_theme_exclusions(request: HttpRequest, client_pk) -> HttpResponse:
    """The themes never suggested for this client: mark one, or undo it."""
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)
    available = Theme.objects.available_to(request.user)
    if request.method == "POST":
        return _change_exclusion(request, client, available)
    excluded = set(excluded_theme_ids(client))
    # Which themes a client's suggestions leave out is part of the record: a view.
    log_event(action=Action.VIEW_CLIENT, request=request, obj=client, client=client)
    return render(
        request,
        "themes/client_theme_exclusions.html",
        {
            "client": client,
            "excluded": [theme for theme in available if theme.pk in excluded],
            "offered": [
                theme for theme in available.filter(active=True) if theme.pk not in excluded
            ],
        },
    )


def _change_exclusion(request: HttpRequest, client: Client, available) -> HttpResponse:
    ids = exact_theme_ids(request.POST.getlist("theme"))
    theme = available.filter(pk=ids[0]).first() if len(ids) == 1 else None
    action = request.POST.get("action", "")
    wants_json = "application/json" in request.headers.get("Accept", "")
    if theme is None or action not in ("exclude", "include"):
        if wants_json:
            return JsonResponse({"status": "invalid", "message": "Reload the page."}, status=400)
        messages.error(request, "That change could not be made. Reload the page.")
        return redirect("client_theme_exclusions", client_pk=client.pk)
    change = exclude_theme if action == "exclude" else include_theme
    row = change(client=client, theme=theme)
    # The row, never the theme: which themes a client works on stays out of the log.
    log_event(
        action=Action.EDIT_CLIENT,
        request=request,
        obj=row,
        object_type="theme_exclusion",
        client=client,
    )
    if wants_json:
        return JsonResponse({"status": "excluded" if action == "exclude" else "included"})
    # No theme name in the message: messages travel in a cookie, which is not encrypted.
    if action == "exclude":
        messages.success(request, "That theme will no longer be suggested for this client.")
    else:
        messages.success(request, "That theme may be suggested for this client again.")
    return redirect(_return_to(request, client))


def _return_to(request: HttpRequest, client: Client) -> str:
    """Back to the note the change was made from, when it is one of this client's notes."""
    try:
        session_pk = uuid.UUID(request.POST.get("session", ""))
    except ValueError:
        return _exclusions_url(client)
    session = (
        TherapySession.objects.for_therapist(request.user)
        .filter(pk=session_pk, client=client)
        .first()
    )
    return session.get_absolute_url() if session else _exclusions_url(client)


def _exclusions_url(client: Client) -> str:
    return reverse("client_theme_exclusions", args=[client.pk])
