"""Accepting and dismissing a suggested theme on a draft note (the pages' no-JavaScript path;
the page script posts the same forms). The note is written through sessions.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from encryption.validators import validate_plain_text
from sessions import services
from sessions.forms import EVIDENCE_MAX_CHARS, posted_version
from sessions.links import Intensity, ThemeLink
from sessions.models import TherapySession

from .models import Theme
from .suggest.service import exact_theme_ids


def _own_session_or_404(request: HttpRequest, pk) -> TherapySession:
    sessions = TherapySession.objects.for_therapist(request.user).select_related("client")
    return get_object_or_404(sessions, pk=pk)


def _posted_themes(request: HttpRequest) -> list[Theme]:
    """The active themes of this therapist named by the posted ``theme`` values; empty when any
    of them is not one (a stale page, or a forged id)."""
    ids = exact_theme_ids(request.POST.getlist("theme"))
    if not ids:
        return []
    themes = Theme.objects.available_to(request.user).filter(active=True).in_bulk(ids)
    return [themes[pk] for pk in ids] if len(themes) == len(ids) else []


@sensitive_post_parameters()
@require_http_methods(["POST"])
def session_accept_theme(request: HttpRequest, pk) -> HttpResponse:
    """Accept suggested themes on a draft: one, or all shown, at the chosen intensity, each
    with the phrase that suggested it kept as evidence."""
    session = _own_session_or_404(request, pk)
    if session.is_signed:
        messages.error(request, "This note is signed; its themes can no longer change.")
        return redirect(session)
    themes = _posted_themes(request)
    expected = posted_version(request.POST)
    # Pages from before the choice of intensity posted none: they meant "mentioned".
    intensity = request.POST.get("intensity") or str(Intensity.MENTIONED.value)
    if not themes or expected is None or intensity not in {str(v) for v in Intensity.values}:
        messages.error(request, "That suggestion could not be accepted. Reload the page.")
        return redirect(session)
    tagged = session.theme_intensities()
    added = [theme for theme in themes if theme.pk not in tagged]
    if added:
        text = session.full_text()
        links = [
            _accepted_link(request, theme, int(intensity), text, len(themes)) for theme in added
        ]
        result = services.accept_suggested_themes(
            session=session, links=links, expected_version=expected
        )
        if result is not services.SaveResult.SAVED:
            messages.error(request, "The note changed since you opened it; nothing was added.")
            return redirect(session)
        log_event(action=Action.EDIT_SESSION, request=request, obj=session, client=session.client)
    label = Intensity(int(intensity)).label.lower()
    if len(themes) == 1:
        messages.success(request, f"The suggested theme was added as {label}.")
    else:
        messages.success(request, f"The suggested themes were added as {label}.")
    return redirect(session)


def _accepted_link(request, theme: Theme, intensity: int, note_text: str, count: int):
    evidence = request.POST.get(f"evidence_{theme.pk}")
    if evidence is None and count == 1:
        evidence = request.POST.get("evidence")
    evidence = (evidence or "")[:EVIDENCE_MAX_CHARS].strip()  # as the form strips it
    # Evidence is a phrase of the note itself; anything else posted is dropped.
    if not (evidence and _is_plain_text(evidence) and evidence in note_text):
        evidence = ""
    return ThemeLink(theme.pk, intensity, evidence)


def _is_plain_text(text: str) -> bool:
    try:
        validate_plain_text(text)
    except ValidationError:
        return False
    return True


@sensitive_post_parameters()
@require_http_methods(["POST"])
def session_dismiss_theme(request: HttpRequest, pk) -> HttpResponse:
    """Dismiss a suggested theme on a draft: it is not offered again for this note."""
    session = _own_session_or_404(request, pk)
    if session.is_signed:
        messages.error(request, "This note is signed; its suggestions no longer change.")
        return redirect(session)
    themes = _posted_themes(request)
    expected = posted_version(request.POST)
    if len(themes) != 1 or expected is None:
        messages.error(request, "That suggestion could not be dismissed. Reload the page.")
        return redirect(session)
    [theme] = themes
    if theme.pk not in session.dismissed_themes:
        result = services.dismiss_suggested_theme(
            session=session, theme_id=theme.pk, expected_version=expected
        )
        if result is not services.SaveResult.SAVED:
            messages.error(request, "The note changed since you opened it; nothing was dismissed.")
            return redirect(session)
        log_event(action=Action.EDIT_SESSION, request=request, obj=session, client=session.client)
    # No theme name in the message: messages travel in a cookie, which is not encrypted.
    messages.info(request, "That theme will not be suggested again for this note.")
    return redirect(session)
