"""The one door for every write to an appointment: views, commands, the note services and the
calendar import call these; nothing else saves an Appointment or a Series."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from audit.models import Action
from audit.services import log_event

from . import clock
from .models import (
    BUSY_STATUSES,
    MAX_DURATION_MINUTES,
    Appointment,
    AppointmentStatus,
    Modality,
    Series,
)
from .recurrence import Repeat, starts


class AppointmentLocked(Exception):
    """The appointment's signed note records its time and attendance: they no longer change."""

    message = (
        "This appointment has a signed note, which records its date, time and attendance: "
        "they can no longer be changed. Corrections go in an addendum to the note."
    )


def has_signed_note(appointment) -> bool:
    # By the reverse relation, not an import: notes (sessions) sit above appointments.
    return appointment.notes.filter(status="signed").exists()


class Scope:
    THIS = "this"
    FOLLOWING = "following"


@dataclass(frozen=True)
class Details:
    """What an appointment is, apart from its client and start."""

    duration_minutes: int = 50
    modality: str = Modality.IN_PERSON
    location: str = ""
    remark: str = ""


def _own(therapist, client) -> None:
    if client.therapist_id != therapist.pk:
        raise PermissionError("Appointments are made for the therapist's own clients only.")


@transaction.atomic
def schedule(
    *,
    therapist,
    client,
    start: datetime.datetime,
    details: Details,
    repeat: Repeat | None = None,
    request=None,
) -> list[Appointment]:
    """Make one appointment, or a series' appointments (all of them, bounded by the rule)."""
    _own(therapist, client)
    series = None
    instants = [start]
    if repeat is not None:
        instants = starts(start, repeat)
        series = Series.objects.create(
            client=client,
            frequency=repeat.frequency,
            first_start=start,
            until=repeat.until,
            count=repeat.count,
            skipped=" ".join(sorted(day.isoformat() for day in repeat.skipped)),
        )
    made = Appointment.objects.bulk_create(
        [
            Appointment(
                client=client,
                series=series,
                start=instant,
                duration_minutes=details.duration_minutes,
                modality=details.modality,
                location=details.location,
                remark=details.remark,
            )
            for instant in instants
        ]
    )
    if made:
        log_event(action=Action.CREATE_APPOINTMENT, request=request, user=therapist, obj=made[0])
    return made


@transaction.atomic
def book_next(
    *,
    therapist,
    client,
    start: datetime.datetime,
    details: Details,
    replacing: datetime.datetime | None = None,
    request=None,
) -> Appointment:
    """The appointment agreed at the end of a session (a note's "next appointment"): the one
    already at that time, else the one at ``replacing`` (the note's earlier agreement, still
    scheduled) moved to ``start``, else a new one."""
    _own(therapist, client)
    existing = _scheduled_at(client, start, statuses=BUSY_STATUSES)
    if existing is not None:
        return existing
    earlier = _scheduled_at(client, replacing) if replacing else None
    if earlier is not None and not earlier.notes.exists():
        earlier.start = start
        earlier.detached = earlier.series_id is not None
        earlier.save()
        log_event(action=Action.EDIT_APPOINTMENT, request=request, user=therapist, obj=earlier)
        return earlier
    (made,) = schedule(
        therapist=therapist, client=client, start=start, details=details, request=request
    )
    return made


def _scheduled_at(client, start, *, statuses=(AppointmentStatus.SCHEDULED,)):
    return (
        Appointment.objects.filter(client=client, start=start, status__in=statuses)
        .order_by("created_at")
        .first()
    )


@transaction.atomic
def update(
    *,
    appointment: Appointment,
    user,
    start: datetime.datetime,
    details: Details,
    scope: str = Scope.THIS,
    request=None,
) -> list[Appointment]:
    """Move or change an appointment. ``Scope.FOLLOWING`` (for an appointment of a series)
    moves this one and every later one of its series that is still scheduled by the same
    shift of date, to the new wall-clock time, with the new details; the series is split there,
    so that the earlier appointments keep the old rule. Returns the appointments changed."""
    _own(user, appointment.client)
    if has_signed_note(appointment) and (
        start != appointment.start
        or details.duration_minutes != appointment.duration_minutes
        or details.modality != appointment.modality
    ):
        raise AppointmentLocked(AppointmentLocked.message)
    if scope == Scope.FOLLOWING and appointment.series_id is not None:
        changed = _update_following(appointment, start, details)
    else:
        _apply(appointment, start, details, keep_remark=False)
        appointment.detached = appointment.series_id is not None
        appointment.save()
        changed = [appointment]
    log_event(action=Action.EDIT_APPOINTMENT, request=request, user=user, obj=appointment)
    return changed


def _apply(appointment, start, details: Details, *, keep_remark: bool) -> None:
    appointment.start = start
    appointment.duration_minutes = details.duration_minutes
    appointment.modality = details.modality
    appointment.location = details.location
    if not keep_remark:
        appointment.remark = details.remark


def _update_following(appointment: Appointment, start, details: Details) -> list[Appointment]:
    old_series = Series.objects.select_for_update().get(pk=appointment.series_id)
    old_local = clock.local(appointment.start)
    new_local = clock.local(start)
    day_shift = new_local.date() - old_local.date()
    following = list(
        Appointment.objects.filter(series=old_series, start__gte=appointment.start)
        .exclude(pk=appointment.pk)
        .order_by("start")
    )
    earlier = Appointment.objects.filter(series=old_series, start__lt=appointment.start).count()
    # An appointment with a note (even a draft) keeps its time: the note records it.
    noted = set(
        Appointment.objects.filter(
            pk__in=[later.pk for later in following], notes__isnull=False
        ).values_list("pk", flat=True)
    )
    rule = {
        "first_start": start,
        "until": old_series.until + day_shift if old_series.until else None,
        "count": max(old_series.count - earlier, 1) if old_series.count else None,
        "skipped": " ".join(
            sorted(
                (day + day_shift).isoformat()
                for day in old_series.skipped_dates()
                if day >= old_local.date()
            )
        ),
    }
    if earlier == 0:
        # From the first appointment on: the whole series changes, no split (which would leave
        # an empty series behind).
        for name, value in rule.items():
            setattr(old_series, name, value)
        old_series.save()
        new_series = old_series
    else:
        new_series = Series.objects.create(
            client=old_series.client, frequency=old_series.frequency, **rule
        )
        old_series.until = old_local.date() - datetime.timedelta(days=1)
        old_series.count = earlier if old_series.count else None
        old_series.save()
    _apply(appointment, start, details, keep_remark=False)
    appointment.series = new_series
    appointment.detached = False
    appointment.save()
    changed = [appointment]
    for later in following:
        later.series = new_series
        if later.status == AppointmentStatus.SCHEDULED and later.pk not in noted:
            day = clock.local(later.start).date() + day_shift
            _apply(later, clock.aware(day, new_local.time()), details, keep_remark=True)
            later.detached = False
            changed.append(later)
        later.save()
    return changed


@transaction.atomic
def set_status(
    *,
    appointment: Appointment,
    user,
    status: str,
    reason: str = "",
    scope: str = Scope.THIS,
    request=None,
) -> list[Appointment]:
    """Mark an appointment attended, cancelled, late-cancelled, a no-show, or scheduled again.
    ``Scope.FOLLOWING`` also cancels every later appointment of its series still scheduled
    (ending a series); they stay in the schedule, marked cancelled, with the same reason."""
    _own(user, appointment.client)
    status = AppointmentStatus(status)
    # A signed note says the client came: marking that is the one change still allowed.
    if status not in (appointment.status, AppointmentStatus.ATTENDED) and has_signed_note(
        appointment
    ):
        raise AppointmentLocked(AppointmentLocked.message)
    targets = [appointment]
    if scope == Scope.FOLLOWING and appointment.series_id is not None:
        targets += list(
            Appointment.objects.filter(
                series_id=appointment.series_id,
                start__gt=appointment.start,
                status=AppointmentStatus.SCHEDULED,
                notes__isnull=True,
            )
        )
    for target in targets:
        target.status = status
        target.status_reason = "" if status == AppointmentStatus.SCHEDULED else reason
        target.save()
    log_event(action=Action.APPOINTMENT_STATUS, request=request, user=user, obj=appointment)
    return targets


def mark_attended(*, appointment: Appointment) -> None:
    """A note was saved for a scheduled appointment that has begun: the client came. Not
    audited apart (the note's creation is)."""
    if appointment.status == AppointmentStatus.SCHEDULED and appointment.has_begun:
        appointment.status = AppointmentStatus.ATTENDED
        appointment.save(update_fields=["status", "updated_at"])


def clashes(
    *, therapist, start: datetime.datetime, duration_minutes: int, exclude=()
) -> list[Appointment]:
    """The therapist's other appointments (scheduled or attended) that overlap
    [start, start + duration)."""
    end = start + datetime.timedelta(minutes=duration_minutes)
    nearby = (
        Appointment.objects.for_therapist(therapist)
        .filter(
            status__in=BUSY_STATUSES,
            start__lt=end,
            start__gt=start - datetime.timedelta(minutes=MAX_DURATION_MINUTES),
        )
        .exclude(pk__in=[getattr(item, "pk", item) for item in exclude])
        .select_related("client")
    )
    return [other for other in nearby if other.end > start]


def clashes_among(appointments: list[Appointment], *, therapist) -> dict:
    """{appointment id: [clashing appointments]} for a set just made or moved (one query)."""
    if not appointments:
        return {}
    first = min(item.start for item in appointments)
    last = max(item.end for item in appointments)
    ids = {item.pk for item in appointments}
    nearby = list(
        Appointment.objects.for_therapist(therapist)
        .filter(
            status__in=BUSY_STATUSES,
            start__lt=last,
            start__gt=first - datetime.timedelta(minutes=MAX_DURATION_MINUTES),
        )
        .exclude(pk__in=ids)
        .select_related("client")
    )
    found = {}
    for item in appointments:
        hits = [other for other in nearby if other.start < item.end and other.end > item.start]
        if hits:
            found[item.pk] = hits
    return found


# --- calendar import (appointments.ics_import reads the file; this writes) ------------------


@dataclass(frozen=True)
class ImportedEvent:
    """One occurrence of an uploaded calendar, matched to one of the therapist's clients."""

    client: object  # clients.Client
    start: datetime.datetime
    duration_minutes: int
    import_key: str
    location: str = ""


@dataclass(frozen=True)
class ImportResult:
    created: int
    duplicates: int


@transaction.atomic
def import_events(
    *,
    therapist,
    events: list[ImportedEvent],
    batch_id: str = "",
    dry_run: bool = False,
    request=None,
) -> ImportResult:
    """Make an appointment for each event not imported before (same ``import_key``: a
    duplicate, left alone), all in one transaction, audited once (CALENDAR_IMPORTED, naming the
    import's id, no client and no count of anything written about them). ``dry_run``: the
    counts only, nothing written. Imported appointments are single ones (no Series)."""
    from django.contrib.auth import get_user_model

    for event in events:
        _own(therapist, event.client)
    if not dry_run:  # two imports of the same therapist at once: one after the other
        get_user_model().objects.select_for_update().filter(pk=therapist.pk).first()
    keys = sorted({event.import_key for event in events})
    existing = set()
    for at in range(0, len(keys), 500):
        existing.update(
            Appointment.objects.filter(
                client__therapist=therapist, import_key__in=keys[at : at + 500]
            ).values_list("import_key", flat=True)
        )
    new, seen = [], set(existing)
    for event in events:
        if event.import_key not in seen:
            seen.add(event.import_key)
            new.append(event)
    duplicates = len(events) - len(new)
    if dry_run or not new:
        return ImportResult(created=len(new) if dry_run else 0, duplicates=duplicates)
    made = Appointment.objects.bulk_create(
        [
            Appointment(
                client=event.client,
                start=event.start,
                duration_minutes=event.duration_minutes,
                location=event.location,
                import_key=event.import_key,
            )
            for event in new
        ],
        batch_size=500,
    )
    log_event(
        action=Action.CALENDAR_IMPORTED,
        request=request,
        user=therapist,
        object_type="calendar",
        object_id=batch_id,
    )
    return ImportResult(created=len(made), duplicates=duplicates)
