"""A URLconf for negative controls: the real one plus views with the mistakes the suites must
catch. Never mounted outside tests."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.html import escape

from clients.models import Client
from config.urls import handler500, urlpatterns

__all__ = ["handler500", "urlpatterns"]


def forgets_the_therapist(request: HttpRequest, pk) -> HttpResponse:
    """Looks the client up without `for_therapist`: anyone signed in reads anyone's client."""
    client = get_object_or_404(Client, pk=pk)
    return HttpResponse(f"<h1>{escape(client.full_name)}</h1>")


def writes_on_get(request: HttpRequest, pk) -> HttpResponse:
    """Scoped, but stores the client again on every reading (a GET that writes)."""
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)
    client.save()
    return HttpResponse(f"<h1>{escape(client.code)}</h1>")


urlpatterns = [
    path("leaky/clients/<uuid:pk>/", forgets_the_therapist, name="leaky_client_detail"),
    path("leaky/clients/<uuid:pk>/seen/", writes_on_get, name="leaky_writes_on_get"),
    *urlpatterns,
]
