import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from clients.models import Client, ClientStatus
from themes.summary import links_for, theme_map

from .forms import SessionForm, StartSessionForm
from .models import TherapySession

RECENT_SESSIONS = 10
RECENTLY_SEEN_DAYS = 30


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    sessions = TherapySession.objects.for_therapist(request.user).select_related("client")
    themes = theme_map()
    recent = [(s, links_for(s, themes)) for s in sessions[:RECENT_SESSIONS]]
    since = timezone.localdate() - datetime.timedelta(days=RECENTLY_SEEN_DAYS)
    seen = {}
    for session in sessions.filter(date__gte=since, date__lte=timezone.localdate()):
        entry = seen.setdefault(session.client_id, {"client": session.client, "count": 0})
        entry["count"] += 1
        entry.setdefault("last", session.date)
    recently_seen = sorted(seen.values(), key=lambda e: e["client"].sort_key())
    active_clients = Client.objects.for_therapist(request.user).filter(status=ClientStatus.ACTIVE)
    return render(
        request,
        "sessions/dashboard.html",
        {
            "recent": recent,
            "recently_seen": recently_seen,
            "recently_seen_days": RECENTLY_SEEN_DAYS,
            "start_form": StartSessionForm(clients=active_clients),
        },
    )


@require_http_methods(["GET"])
def session_start(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_therapist(request.user)
    form = StartSessionForm(request.GET, clients=clients.filter(status=ClientStatus.ACTIVE))
    if not form.is_valid():
        messages.error(request, "Choose a client to log a session for.")
        return redirect("dashboard")
    client = get_object_or_404(clients, pk=form.cleaned_data["client"])
    return redirect("session_create", client_pk=client.pk)


def _initial_for_new_session() -> dict:
    now = timezone.localtime()
    return {
        "date": now.date(),
        "start_time": now.time().replace(
            minute=now.minute - now.minute % 5, second=0, microsecond=0
        ),
        "duration_minutes": 50,
    }


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, client_pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)
    form = SessionForm(
        request.POST or None,
        client=client,
        instance=TherapySession(client=client),
        initial=_initial_for_new_session(),
    )
    if request.method == "POST" and form.is_valid():
        session = form.save()
        messages.success(request, f"Session of {session.date:%d %b %Y} saved.")
        return redirect(session)
    return render(
        request, "sessions/session_form.html", {"form": form, "client": client, "session": None}
    )


@require_http_methods(["GET"])
def session_detail(request: HttpRequest, pk) -> HttpResponse:
    session = get_object_or_404(
        TherapySession.objects.for_therapist(request.user).select_related("client"), pk=pk
    )
    return render(
        request,
        "sessions/session_detail.html",
        {
            "session": session,
            "client": session.client,
            "themes": links_for(session, theme_map()),
        },
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk) -> HttpResponse:
    session = get_object_or_404(
        TherapySession.objects.for_therapist(request.user).select_related("client"), pk=pk
    )
    form = SessionForm(request.POST or None, client=session.client, instance=session)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Session updated.")
        return redirect(session)
    return render(
        request,
        "sessions/session_form.html",
        {"form": form, "client": session.client, "session": session},
    )
