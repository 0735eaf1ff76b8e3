"""Erasing a client's whole record: the client, every note and what belongs to them."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from clients.forms import EraseForm
from clients.models import Client

from . import services


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_erase(request: HttpRequest, pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)
    form = EraseForm(request.POST if request.method == "POST" else None, client=client)
    if request.method == "POST" and form.is_valid():
        code, client_id = client.code, client.pk
        services.erase_client(client=client)
        log_event(
            action=Action.ERASE_CLIENT,
            request=request,
            client=client,  # deleted, but its code is still known in memory
            object_type="client",
            object_id=str(client_id),
        )
        messages.success(request, f"Client {code} and their whole record were erased.")
        return redirect("client_list")
    return render(
        request,
        "clients/client_confirm_delete.html",
        {"form": form, "client": client, "session_count": client.sessions.count()},
    )
