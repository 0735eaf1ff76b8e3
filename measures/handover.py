"""Hand-over mode: the client completes a questionnaire on the therapist's device, in session.

The therapist presses "Hand to client" (``handover_start``): from then on this signed-in
session is in hand-over mode for that client and questionnaire (``request.session[STATE]``),
and ``HandOverMiddleware`` lets through only

- the questionnaire page and its post (``handover_questionnaire``), "Give the device back"
  (``handover_give_back``), the locked screen and its unlock post (``handover_locked``);
- the idle clock's two endpoints (``session_status``, ``session_keepalive``): they show
  nothing but the seconds left, and without them the page's idle script would reload the
  questionnaire (losing the answers) instead of letting the idle timeout end the session.

Static files are served before any of this (WhiteNoise, earlier in MIDDLEWARE); an address
under /static/ that reaches this middleware is no file, and is refused like any other.

Every other address, known or not (the client's record, search, the admin, the sign-in and
sign-out pages, autosave, the calendar feed, a client link) is refused: a GET is sent to the
locked screen, any other method gets 403. The check runs before any view and before the CSRF
and sign-in checks (the middleware's ``__call__``), so nothing of the record is ever loaded.

The questionnaire page shows the questions only: no client name or code, no navigation, no
search, no link (``measures/minimal_base.html``). Once the answers are in (or the device is
given back) only the locked screen remains: the therapist's password ends hand-over mode and
returns to the client's measures; five wrong passwords end the sign-in altogether. When the
idle timeout passes, the account middleware ends the session as anywhere else: the next
request (the idle script reloads the page) lands on the sign-in page.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client

from . import services
from .forms import AnswersForm, UnlockForm
from .models import AdministrationSource
from .views import client_or_404, measure_or_404, score_text

STATE = "measures.handover"
ANSWERING, LOCKED = "answering", "locked"
MAX_UNLOCK_FAILURES = 5
# The routes a session in hand-over mode may reach (see the module's docstring).
HANDOVER_ROUTES = frozenset({"handover_questionnaire", "handover_give_back", "handover_locked"})
IDLE_CLOCK_ROUTES = frozenset({"session_status", "session_keepalive"})
ALLOWED_ROUTES = HANDOVER_ROUTES | IDLE_CLOCK_ROUTES
SAFE_METHODS = ("GET", "HEAD")


def in_handover(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return session is not None and STATE in session


def _allowed(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name in ALLOWED_ROUTES and not match.namespace


class HandOverMiddleware:
    """While this session is in hand-over mode, every request but the hand-over pages' is
    refused before any view runs (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if in_handover(request) and not _allowed(request):
            return refuse(request)
        return self.get_response(request)


def refuse(request: HttpRequest) -> HttpResponse:
    if request.method in SAFE_METHODS:
        return redirect("handover_locked")
    body = loader.render_to_string("measures/handover_refused.html", request=request)
    return HttpResponseForbidden(body)


# --- the views ---------------------------------------------------------------------------------


def _state(request: HttpRequest) -> dict | None:
    state = request.session.get(STATE)
    return state if isinstance(state, dict) else None


def _save(request: HttpRequest, state: dict) -> None:
    request.session[STATE] = state


def _handed_client(request: HttpRequest, state: dict) -> Client | None:
    return Client.objects.for_therapist(request.user).filter(pk=state.get("client")).first()


@require_POST
def handover_start(request: HttpRequest, client_pk, slug: str) -> HttpResponse:
    """ "Hand to client": this session shows only the questionnaire until the therapist's
    password is typed again."""
    client = client_or_404(request, client_pk)
    measure = measure_or_404(slug)
    _save(
        request,
        {"client": str(client.pk), "measure": measure.slug, "stage": ANSWERING, "failures": 0},
    )
    log_event(action=Action.HANDOVER_STARTED, request=request, obj=client, client=client)
    response = redirect("handover_questionnaire")
    # Pages of the record this browser keeps for its Back button: dropped, so that Back asks
    # the server (which answers with the locked screen) instead of showing them again.
    response["Clear-Site-Data"] = '"cache"'
    return response


def _questionnaire_page(request, form) -> HttpResponse:
    context = {"measure": form.measure, "form": form, "handover": True}
    return render(request, "measures/handover_questionnaire.html", context)


@require_http_methods(["GET", "POST"])
def handover_questionnaire(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if state is None:
        return redirect("dashboard")
    if state.get("stage") != ANSWERING:
        return redirect("handover_locked")
    client = _handed_client(request, state)
    try:
        measure = measure_or_404(state.get("measure", ""))
    except Http404:  # a questionnaire no longer installed: nothing to answer
        measure = None
    if client is None or measure is None:
        return _lock(request, state)
    form = AnswersForm(
        request.POST if request.method == "POST" else None, measure=measure, dated=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            administration = services.record_administration(
                client=client,
                measure_slug=measure.slug,
                answers=form.answers(),
                administered_on=timezone.localdate(),
                user=request.user,
                source=AdministrationSource.HANDOVER,
                request=request,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            state["recorded"] = str(administration.pk)
            score = score_text(
                administration.total, administration.status, administration.band_label
            )
            state["score"] = f"{measure.short_name} {score}"
            return _lock(request, state)
    return _questionnaire_page(request, form)


def _lock(request: HttpRequest, state: dict) -> HttpResponse:
    state["stage"] = LOCKED
    _save(request, state)
    return redirect("handover_locked")


@require_POST
def handover_give_back(request: HttpRequest) -> HttpResponse:
    """The client stops without sending the answers: only the locked screen remains."""
    state = _state(request)
    if state is None:
        return redirect("dashboard")
    return _lock(request, state)


def _locked_page(request, form, state: dict) -> HttpResponse:
    context = {"form": form, "handover": True, "answered": bool(state.get("recorded"))}
    return render(request, "measures/handover_locked.html", context)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def handover_locked(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if state is None:
        return redirect("dashboard")
    if state.get("stage") != LOCKED:
        # Any way off the questionnaire ends the client's turn.
        state["stage"] = LOCKED
        _save(request, state)
    if request.method == "GET":
        return _locked_page(request, UnlockForm(), state)
    form = UnlockForm(request.POST)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        return _unlock(request, state)
    client = _handed_client(request, state)
    log_event(
        action=Action.HANDOVER_UNLOCK_FAILED,
        request=request,
        client=client,
        object_type="client" if client else None,
        object_id=str(client.pk) if client else None,
        outcome=Outcome.DENIED,
    )
    state["failures"] = int(state.get("failures", 0)) + 1
    if state["failures"] >= MAX_UNLOCK_FAILURES:
        logout(request)  # the session, hand-over state and all
        messages.warning(
            request,
            f"Signed out after {MAX_UNLOCK_FAILURES} wrong passwords on the hand-over screen. "
            "Any answers sent before were saved.",
        )
        return redirect("login")
    _save(request, state)
    if form.is_valid():
        form.add_error("password", "That is not the password of the therapist signed in here.")
    return _locked_page(request, form, state)


def _unlock(request: HttpRequest, state: dict) -> HttpResponse:
    del request.session[STATE]
    client = _handed_client(request, state)
    log_event(
        action=Action.HANDOVER_ENDED,
        request=request,
        client=client,
        object_type="client" if client else None,
        object_id=str(client.pk) if client else None,
    )
    if client is None:
        return redirect("dashboard")
    if state.get("score"):
        messages.success(request, f"Questionnaire completed by the client: {state['score']}.")
    else:
        messages.info(request, "The device was given back without answers being sent.")
    return redirect("client_measures", client_pk=client.pk)
