from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from themes.summary import count_themes, links_for, theme_map

from .forms import ClientFilterForm, ClientForm
from .models import Client, fold_text
from .services import create_client


def _matches(client: Client, query: str) -> bool:
    folded = fold_text(query.strip())
    code_query = folded.upper().removeprefix("C-").lstrip("0")
    # isdecimal, not isdigit: int() refuses digits such as "፩" that isdigit() accepts.
    if code_query.isdecimal() and int(code_query) == client.number:
        return True
    return folded in fold_text(client.full_name) or folded in fold_text(client.preferred_name)


@require_http_methods(["GET"])
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None)
    clients = Client.objects.for_therapist(request.user).annotate(session_count=Count("sessions"))
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        if form.cleaned_data["status"]:
            clients = clients.filter(status=form.cleaned_data["status"])
    # Names are encrypted: decrypt, filter and sort in memory (a caseload is a few hundred).
    rows = [client for client in clients if not query or _matches(client, query)]
    rows.sort(key=Client.sort_key)
    return render(
        request,
        "clients/client_list.html",
        {"clients": rows, "filter_form": form, "query": query},
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = create_client(therapist=request.user, client=form.save(commit=False))
        messages.success(request, f"Client {client.code} added.")
        return redirect(client)
    return render(request, "clients/client_form.html", {"form": form, "client": None})


@require_http_methods(["GET"])
def client_detail(request: HttpRequest, pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)
    sessions = list(client.sessions.all())
    themes = theme_map()
    timeline = [(session, links_for(session, themes)) for session in sessions]
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "timeline": timeline,
            "theme_counts": count_themes(sessions, themes),
            "session_total": len(sessions),
        },
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)
    saved_name = client.full_name  # validation writes the typed values onto the instance
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Client {client.code} updated.")
        return redirect(client)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "client": client, "saved_name": saved_name},
    )
