from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from integrity.check import check_children, check_loaded, remembering_matches

from . import services
from .forms import ALL, CURRENT, ClientFilterForm, ClientForm, DischargeForm
from .models import Client, ClientStatus, fold_text
from .pages import client_page_context, needs_every_session

SESSIONS_PAGE = 25  # sessions listed on the client page, and added by each "Show more"


def _matches(client: Client, query: str) -> bool:
    folded = fold_text(query.strip())
    code_query = folded.upper().removeprefix("C-").lstrip("0")
    # isdecimal, not isdigit: int() refuses digits such as "፩" that isdigit() accepts.
    if code_query.isdecimal() and int(code_query) == client.number:
        return True
    return folded in fold_text(client.full_name) or folded in fold_text(client.preferred_name)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_list(request: HttpRequest) -> HttpResponse:
    """The caseload. A name typed into the filter is posted, never put in the URL (it would
    reach the browser history and the proxy's log); the status may be a link (?status=all).
    Filtering writes nothing."""
    if request.method == "GET" and "q" in request.GET:
        kept = {"status": request.GET["status"]} if "status" in request.GET else {}
        return redirect(reverse("client_list") + (f"?{urlencode(kept)}" if kept else ""))
    data = request.POST if request.method == "POST" else request.GET
    form = ClientFilterForm(data or None)
    clients = Client.objects.for_therapist(request.user).annotate(session_count=Count("sessions"))
    query = ""
    status = form.cleaned_data["status"] if form.is_valid() else CURRENT
    if form.is_valid():
        query = form.cleaned_data["q"]
    if status == CURRENT:
        clients = clients.exclude(status=ClientStatus.DISCHARGED)
    elif status != ALL:
        clients = clients.filter(status=status)
    # Names are encrypted: decrypt, filter and sort in memory (a caseload is a few hundred),
    # after checking every row against the integrity ledger in two queries.
    clients = list(clients)
    check_loaded(clients)
    check_children(request.user)  # a client deleted or moved in outside the app
    rows = [client for client in clients if not query or _matches(client, query)]
    rows.sort(key=Client.sort_key)
    return render(
        request,
        "clients/client_list.html",
        {"clients": rows, "filter_form": form, "query": query, "status": status},
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        client = services.create_client(therapist=request.user, client=form.save(commit=False))
        log_event(action=Action.CREATE_CLIENT, request=request, obj=client, client=client)
        messages.success(request, f"Client {client.code} added.")
        return redirect(client)
    return render(request, "clients/client_form.html", {"form": form, "client": None})


def _sessions_listed(request: HttpRequest) -> int:
    """How many of the newest sessions the client page lists: a page's worth, or more after
    *Show more* (``?sessions=50``). Anything but a plain number lists the first page."""
    value = request.GET.get("sessions", "")
    if value.isascii() and value.isdecimal() and len(value) <= 6:
        return max(SESSIONS_PAGE, int(value))
    return SESSIONS_PAGE


@require_http_methods(["GET"])
def client_detail(request: HttpRequest, pk) -> HttpResponse:
    # The sessions loaded here are checked against the integrity ledger (SealedQuerySet) and
    # passed to the sections (the plan's progress too, rather than joining each note's session
    # again); a row a section still reads again is checked against the ledger each time, but an
    # unchanged row is not hashed twice. Only the sessions listed are loaded, unless a section
    # asks for every one (clients.pages): loading and checking a row costs about 0.1 ms, most
    # of the page's time for a long-seen client.
    with remembering_matches():
        client = get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)
        listed = _sessions_listed(request)
        # A session, disclosure or exclusion deleted, moved in or rolled back outside the app is
        # refused here, before anything of the record is shown (every session's row is
        # compared with the ledger's, whether listed or not).
        check_children(client)
        if needs_every_session():
            sessions = list(client.sessions.all())
            total = len(sessions)
        else:
            sessions = list(client.sessions.all()[:listed])
            total = client.sessions.count() if len(sessions) == listed else len(sessions)
        check_loaded([client, *sessions])
        log_event(action=Action.VIEW_CLIENT, request=request, obj=client, client=client)
        more = min(SESSIONS_PAGE, total - listed)
        return render(
            request,
            "clients/client_detail.html",
            {
                "client": client,
                **client_page_context(request, client=client, sessions=sessions, listed=listed),
                "session_total": total,
                # *Show more*: how many it adds, and the first of them (the link's anchor).
                "sessions_more": max(0, more),
                "sessions_next": listed + SESSIONS_PAGE,
                "sessions_first_new": listed + 1,
            },
        )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)
    saved_name = client.full_name  # validation writes the typed values onto the instance
    if request.method == "GET":
        log_event(action=Action.VIEW_CLIENT, request=request, obj=client, client=client)
    form = ClientForm(request.POST if request.method == "POST" else None, instance=client)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_event(action=Action.EDIT_CLIENT, request=request, obj=client, client=client)
        messages.success(request, f"Client {client.code} updated.")
        return redirect(client)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "client": client, "saved_name": saved_name},
    )


def _own_client(request: HttpRequest, pk) -> Client:
    return get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_discharge(request: HttpRequest, pk) -> HttpResponse:
    client = _own_client(request, pk)
    form = DischargeForm(
        request.POST if request.method == "POST" else None,
        client=client,
        initial={"discharge_date": timezone.localdate(), "closing_summary": client.closing_summary},
    )
    if request.method == "POST" and form.is_valid():
        services.discharge_client(
            client=client,
            discharge_date=form.cleaned_data["discharge_date"],
            closing_summary=form.cleaned_data["closing_summary"],
        )
        log_event(action=Action.DISCHARGE_CLIENT, request=request, obj=client, client=client)
        messages.success(request, f"Client {client.code} discharged.")
        return redirect(client)
    return render(request, "clients/client_discharge.html", {"form": form, "client": client})
