"""A URLconf for negative controls: the real one plus views with the mistakes the suites must
catch, and their entries for the access matrix (LEAKY_MATRIX). Never mounted outside tests:
a test sets ROOT_URLCONF=LEAKY_URLS."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.html import escape

from clients.models import Client
from config.urls import handler500, urlpatterns
from tests.security.access_matrix import GET, THERAPIST_OBJECT, Route

__all__ = ["LEAKY_MATRIX", "LEAKY_URLS", "handler500", "urlpatterns"]

LEAKY_URLS = __name__


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

# Their entries, as the access matrix would have them (the suites attack them like any route).
LEAKY_MATRIX = {
    "leaky_client_detail": Route(
        THERAPIST_OBJECT, frozenset({GET}), ids=lambda case: [{"pk": case.alice_client.pk}]
    ),
    "leaky_writes_on_get": Route(
        THERAPIST_OBJECT, frozenset({GET}), ids=lambda case: [{"pk": case.alice_client.pk}]
    ),
}
