"""Hand-over mode: the client completes a questionnaire on the therapist's device, in session.

The therapist presses "Hand to client" (``handover_start``): from then on this signed-in
session is in hand-over mode for that client and questionnaire (``request.session[STATE]``),
and ``HandOverMiddleware`` lets through only

- the questionnaire page and its post (``handover_questionnaire``), "Give the device back"
  (``handover_give_back``), the locked screen and its unlock post (``handover_locked``);
- the idle clock's two endpoints (``session_status``, ``session_keepalive``): they show
  nothing but the seconds left and that the device is handed over, and without them the page's
  idle script would reload the questionnaire (losing the answers) instead of letting the idle
  timeout end the session. The middleware marks the request (``handover_locked_url``): the
  status then tells the therapist's other open tabs to replace themselves with the locked
  screen (idle.js), and "Stay signed in" does not extend the sign-in.

Static files are served before any of this (WhiteNoise, earlier in MIDDLEWARE); an address
under /static/ that reaches this middleware is no file, and is refused like any other.

Every other address, known or not (the client's record, search, the admin, the sign-in and
sign-out pages, autosave, the calendar feed, a client link) is refused: a GET is sent to the
locked screen, any other method gets 403 with the header ``X-Hand-Over`` (autosave.js then
stops and shows the locked screen, rather than keep what the client types in another tab to
send after the unlock). The check runs before any view and before the CSRF and sign-in checks
(the middleware's ``__call__``), so nothing of the record is ever loaded.

The questionnaire page shows the questions only: no client name or code, no navigation, no
search, no link (``measures/minimal_base.html``). Once the answers are in (or the device is
given back) only the locked screen remains: the therapist's password ends hand-over mode and
returns to the client's measures; five wrong passwords end the sign-in altogether. The client's
one turn and the unlock attempts are counted in the database (``measures.handovers``), not in
the session, so that posts sent side by side store one questionnaire and get five password
checks between them; each attempt is counted before its password is checked.

The wrong passwords are not fed to django-axes: whoever types them is already past the sign-in
(which axes guards), the fifth ends this session and the way back is that guarded sign-in; and
counted by axes, a client could lock the therapist's account on every device in mid-session.

The idle clock is not reset by anything in hand-over mode (the views are ``keeps_idle_clock``
and "Stay signed in" does not count): it runs from "Hand to client" until the password is typed
again. When it passes, the account middleware ends the session as anywhere else: the next
request (the idle script reloads the page) lands on the sign-in page.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.decorators import keeps_idle_clock
from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client

from . import handovers, services
from .forms import AnswersForm, UnlockForm
from .models import AdministrationSource, HandOver
from .views import client_or_404, measure_or_404, score_text

STATE = "measures.handover"
ANSWERING, LOCKED = "answering", "locked"
MAX_UNLOCK_FAILURES = 5
# The routes a session in hand-over mode may reach (see the module's docstring).
HANDOVER_ROUTES = frozenset({"handover_questionnaire", "handover_give_back", "handover_locked"})
IDLE_CLOCK_ROUTES = frozenset({"session_status", "session_keepalive"})
ALLOWED_ROUTES = HANDOVER_ROUTES | IDLE_CLOCK_ROUTES
SAFE_METHODS = ("GET", "HEAD")
REFUSED_HEADER = "X-Hand-Over"


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
        if in_handover(request):
            if not _allowed(request):
                return refuse(request)
            # Read by the idle clock's views (accounts.views): the status tells the therapist's
            # other tabs to show the locked screen, and "Stay signed in" does not extend.
            request.handover_locked_url = reverse("handover_locked")
        return self.get_response(request)


def refuse(request: HttpRequest) -> HttpResponse:
    if request.method in SAFE_METHODS:
        return redirect("handover_locked")
    body = loader.render_to_string("measures/handover_refused.html", request=request)
    response = HttpResponseForbidden(body)
    # For a script's post from another tab (autosave.js): stop, and show the locked screen
    # instead of keeping what is typed there to send after the unlock.
    response[REFUSED_HEADER] = reverse("handover_locked")
    return response


# --- the views ---------------------------------------------------------------------------------
# None of them counts as activity for the idle timeout (keeps_idle_clock): the clock runs from
# the therapist's "Hand to client" until the password is typed again, so nothing on the
# client's side of the device (reloading a page, "Stay signed in") keeps the sign-in open.


def _state(request: HttpRequest) -> dict | None:
    state = request.session.get(STATE)
    return state if isinstance(state, dict) else None


def _save(request: HttpRequest, state: dict) -> None:
    request.session[STATE] = state


def _handed_client(request: HttpRequest, state: dict) -> Client | None:
    return Client.objects.for_therapist(request.user).filter(pk=state.get("client")).first()


def _row(request: HttpRequest, state: dict) -> HandOver:
    """The hand-over's row (measures.handovers). A session whose hand-over began before these
    rows existed gets one, from what its state says; one whose row is gone (removed outside
    the app) gets a closed one: no answers are stored and no password is checked any more, so
    the next unlock attempt signs out."""
    row = handovers.find(request.user, state.get("id"))
    if row is None:
        legacy = "id" not in state
        row = handovers.adopt(
            request.user,
            answering=legacy and state.get("stage") == ANSWERING,
            attempts=_number(state.get("failures")) if legacy else MAX_UNLOCK_FAILURES,
        )
        state["id"] = str(row.pk)
        _save(request, state)
    return row


def _number(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@require_POST
def handover_start(request: HttpRequest, client_pk, slug: str) -> HttpResponse:
    """ "Hand to client": this session shows only the questionnaire until the therapist's
    password is typed again."""
    client = client_or_404(request, client_pk)
    measure = measure_or_404(slug)
    row = handovers.start(request.user)
    _save(
        request,
        {
            "client": str(client.pk),
            "measure": measure.slug,
            "stage": ANSWERING,
            "failures": 0,
            "id": str(row.pk),
        },
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


@keeps_idle_clock
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
            administration = _record_once(request, state, client, form)
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            if administration is not None:
                state["recorded"] = str(administration.pk)
                score = score_text(
                    administration.total, administration.status, administration.band_label
                )
                state["score"] = f"{measure.short_name} {score}"
            return _lock(request, state)
    return _questionnaire_page(request, form)


def _record_once(request: HttpRequest, state: dict, client: Client, form: AnswersForm):
    """Store the answers if this request is the one that ends the client's turn (None if
    another did: answers posted twice, or the questionnaire left meanwhile). Answers that
    are refused (ValueError) leave the turn open."""
    row = _row(request, state)
    with transaction.atomic():
        if not handovers.take_turn(row):
            return None
        return services.record_administration(
            client=client,
            measure_slug=form.measure.slug,
            answers=form.answers(),
            administered_on=timezone.localdate(),
            user=request.user,
            source=AdministrationSource.HANDOVER,
            request=request,
        )


def _lock(request: HttpRequest, state: dict) -> HttpResponse:
    handovers.take_turn(_row(request, state))
    state["stage"] = LOCKED
    _save(request, state)
    return redirect("handover_locked")


@keeps_idle_clock
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


@keeps_idle_clock
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def handover_locked(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if state is None:
        return redirect("dashboard")
    row = _row(request, state)
    if state.get("stage") != LOCKED:
        # Any way off the questionnaire ends the client's turn.
        handovers.take_turn(row)
        state["stage"] = LOCKED
        _save(request, state)
    if request.method == "GET":
        return _locked_page(request, UnlockForm(), state)
    form = UnlockForm(request.POST)
    # The attempt is counted before the password is checked, in the database: requests sent
    # side by side get at most MAX_UNLOCK_FAILURES checks between them, however many workers.
    if not handovers.take_attempt(row, limit=MAX_UNLOCK_FAILURES):
        _unlock_failed(request, state)
        return _sign_out(request)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        return _unlock(request, state)
    _unlock_failed(request, state)
    # The count of every request so far (the session's copy is only what this one saw).
    state["failures"] = handovers.attempts_made(row)
    if state["failures"] >= MAX_UNLOCK_FAILURES:
        return _sign_out(request)
    _save(request, state)
    if form.is_valid():
        form.add_error("password", "That is not the password of the therapist signed in here.")
    return _locked_page(request, form, state)


def _unlock_failed(request: HttpRequest, state: dict) -> None:
    client = _handed_client(request, state)
    log_event(
        action=Action.HANDOVER_UNLOCK_FAILED,
        request=request,
        client=client,
        object_type="client" if client else None,
        object_id=str(client.pk) if client else None,
        outcome=Outcome.DENIED,
    )


def _sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # the session, hand-over state and all
    messages.warning(
        request,
        f"Signed out after {MAX_UNLOCK_FAILURES} wrong passwords on the hand-over screen. "
        "Any answers sent before were saved.",
    )
    return redirect("login")


def _unlock(request: HttpRequest, state: dict) -> HttpResponse:
    del request.session[STATE]
    # The therapist is back: from here on the idle clock counts as anywhere else.
    policy.touch(request.session, force=True)
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
