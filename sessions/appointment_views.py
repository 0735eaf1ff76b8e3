"""*Write note* on an appointment: its note if it has one, else a new note prefilled from it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from appointments.models import Appointment

from .models import NoteStatus, TherapySession


@require_http_methods(["GET"])
def write_note(request: HttpRequest, pk) -> HttpResponse:
    appointment = get_object_or_404(Appointment.objects.for_therapist(request.user), pk=pk)
    note = (
        TherapySession.objects.for_therapist(request.user)
        .filter(appointment=appointment)
        .values_list("pk", "status")
        .first()
    )
    if note is None:
        url = reverse("session_create", args=[appointment.client_id])
        return redirect(f"{url}?appointment={appointment.pk}")
    note_pk, status = note
    if status == NoteStatus.SIGNED:
        return redirect("session_detail", pk=note_pk)
    return redirect("session_edit", pk=note_pk)
