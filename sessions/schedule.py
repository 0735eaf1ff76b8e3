"""The dashboard's day: today's appointments with their notes, and the notes still missing."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from appointments import clock
from appointments.models import Appointment, AppointmentStatus

from .models import NoteStatus

MISSING_SHOWN = 20
# Appointments left "scheduled" after they ended count as missing a note for this long; an
# attended one, until its note is signed.
UNMARKED_DAYS = 30


@dataclass
class Day:
    appointments: list
    selected: Appointment | None
    missing: list
    missing_count: int


def _with_notes(user, clients):
    appointments = Appointment.objects.for_therapist(user)
    if clients is None:
        appointments = appointments.select_related("client")
    return appointments.with_note_status()


def attach_clients(rows, clients: dict | None) -> list:
    """``rows`` (loaded now) with their client taken from ``clients`` (by id, already loaded
    and checked) instead of loading each again."""
    rows = list(rows)
    for row in rows if clients else ():
        if row.client_id in clients:
            row.client = clients[row.client_id]
    return rows


def today(user, *, clients: dict | None = None) -> Day:
    """``clients``: the therapist's clients by id, already loaded (else joined in)."""
    now = timezone.now()
    start, end = clock.day_bounds(clock.local(now).date())
    appointments = attach_clients(_with_notes(user, clients).between(start, end), clients)
    missing = (
        _with_notes(user, clients)
        .filter(start__lt=now)
        .filter(
            Q(status=AppointmentStatus.ATTENDED)
            | Q(
                status=AppointmentStatus.SCHEDULED,
                start__gte=now - datetime.timedelta(days=UNMARKED_DAYS),
                # Past events imported from another calendar are not notes missing here.
                import_key="",
            )
        )
        .exclude(notes__status=NoteStatus.SIGNED)
        .order_by("start")
    )
    shown = [item for item in missing[: MISSING_SHOWN + 1] if item.end <= now][:MISSING_SHOWN]
    attach_clients(shown, clients)
    selected = _selected(appointments, now)
    for item in appointments:
        item.is_selected = item == selected
    return Day(
        appointments=appointments,
        selected=selected,
        missing=shown,
        missing_count=missing.count() if len(shown) >= MISSING_SHOWN else len(shown),
    )


def _selected(appointments, now) -> Appointment | None:
    """The appointment `n` writes the note of: the latest one begun without a signed note,
    else the next one."""
    open_ones = [
        item for item in appointments if item.is_held and item.note_status != NoteStatus.SIGNED
    ]
    begun = [item for item in open_ones if item.start <= now]
    if begun:
        return begun[-1]
    return open_ones[0] if open_ones else None
