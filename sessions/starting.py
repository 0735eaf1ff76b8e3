"""What a new note's form starts with: the appointment it records (the one asked for, or the
client's appointment of today without a note), its date, time, length and modality, and the
client's usual note format. A note logged without an appointment starts 50 minutes ago, as
notes are written when the session ends."""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils import timezone

from appointments import clock
from appointments.models import NOT_HELD_STATUSES, NOTE_EARLY_MINUTES, Appointment

from .models import NoteFormat, TherapySession

DEFAULT_MINUTES = 50
USUAL_FORMAT_FROM = 10


def _rounded(moment: datetime.datetime) -> datetime.time:
    return moment.time().replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def usual_format(client) -> str:
    """The format of most of the client's last notes; else the therapist's last; else SOAP."""
    recent = list(
        TherapySession.objects.filter(client=client)
        .order_by("-date", "-start_time")
        .values_list("note_format", flat=True)[:USUAL_FORMAT_FROM]
    )
    if not recent:
        recent = list(
            TherapySession.objects.filter(client__therapist_id=client.therapist_id)
            .order_by("-created_at")
            .values_list("note_format", flat=True)[:1]
        )
    if not recent:
        return NoteFormat.SOAP
    counts = Counter(recent)
    # Ties go to the most recent format.
    return max(recent, key=lambda value: (counts[value], -recent.index(value)))


def appointment_for_new_note(client, requested) -> Appointment | None:
    """The appointment a new note of ``client`` records: ``requested`` (an id from *Write
    note*) when it is this client's and has no note, else today's appointment of the client
    without a note that began most recently (or begins within NOTE_EARLY_MINUTES)."""
    free = Appointment.objects.filter(client=client, notes__isnull=True)
    if requested:
        try:
            return free.filter(pk=requested).first()
        except ValidationError:  # a mangled id is no appointment
            return None
    now = timezone.now()
    start, end = clock.day_bounds(clock.local(now).date())
    return (
        free.between(start, min(end, now + datetime.timedelta(minutes=NOTE_EARLY_MINUTES)))
        .exclude(status__in=NOT_HELD_STATUSES)
        .order_by("-start")
        .first()
    )


def initial_for_new_note(client, requested=None) -> dict:
    appointment = appointment_for_new_note(client, requested)
    initial = {"note_format": usual_format(client), "duration_minutes": DEFAULT_MINUTES}
    if appointment is None:
        now = clock.local(timezone.now())
        began = now - datetime.timedelta(minutes=DEFAULT_MINUTES)
        if began.date() != now.date():
            # Just after midnight the note stays today's: a date before the client's intake
            # (or a "yesterday" nobody asked for) is worse than an early start time.
            return {**initial, "date": now.date(), "start_time": datetime.time(0, 0)}
        return {**initial, "date": began.date(), "start_time": _rounded(began)}
    local = clock.local(appointment.start)
    return {
        **initial,
        "appointment": str(appointment.pk),
        "date": local.date(),
        "start_time": local.time().replace(second=0, microsecond=0),
        "duration_minutes": appointment.duration_minutes,
        "modality": appointment.modality,
    }


def booked_next(session) -> Appointment | None:
    """The appointment in the schedule at the note's "next appointment", if there is one."""
    if session.next_appointment is None:
        return None
    return (
        Appointment.objects.filter(client_id=session.client_id, start=session.next_appointment)
        .exclude(status__in=NOT_HELD_STATUSES)
        .first()
    )


# What an appointment decides on a new note's form.
FROM_APPOINTMENT = ("appointment", "date", "start_time", "duration_minutes", "modality")


def with_appointment(initial: dict, asked: dict, *, explicit: bool) -> dict:
    """The form's values after an autosaved draft was restored over ``asked``: the appointment
    asked for (*Write note*) wins over the one the draft was typed for, with its date and time;
    a restored appointment that has a note since is dropped (saving would be refused)."""
    if explicit and asked.get("appointment"):
        return {**initial, **{name: asked[name] for name in FROM_APPOINTMENT if name in asked}}
    restored = initial.get("appointment")
    if restored and restored != asked.get("appointment"):
        try:
            taken = Appointment.objects.filter(pk=restored, notes__isnull=False).exists()
        except ValidationError:
            taken = True
        if taken:
            return {**initial, "appointment": ""}
    return initial
