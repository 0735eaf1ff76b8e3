"""The client page's "Next appointments" (plugged into clients.pages when the app is ready)."""

from django.utils import timezone

from .models import BUSY_STATUSES, Appointment

SHOWN = 5


def client_page_appointments(request, *, client, sessions) -> dict:
    upcoming = Appointment.objects.filter(
        client=client, start__gte=timezone.now(), status__in=BUSY_STATUSES
    ).order_by("start")
    return {"upcoming_appointments": list(upcoming[:SHOWN])}
