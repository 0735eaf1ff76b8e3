"""The demo therapist's diary (``data/schedule.toml``): recurring appointments around today.

Each active client of the hand-written caseload has a usual slot: a weekday, the story's time
and length, a frequency and a modality. The story's session dates are moved by the same few days
(``day_shift``) so that its last session falls on that weekday; the series then runs from the
client's sessions of the last fortnight (or the last session, if older) to the end of the third
week after this one. A session on a date of the series records that appointment
(``TherapySession.appointment``); one off the rhythm gets an appointment of its own.

Appointments that have ended are attended, except the no-show of ``[no_show]``; the next one of
``[cancelled]`` is cancelled; attended appointments after a client's last session have no note
yet, so the dashboard's *missing notes* list is never empty. ``[[today]]`` adds appointments on
the day the demo is seeded, whatever day that is. Every write goes through
``appointments.services``.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from appointments import clock
from appointments.models import Appointment, AppointmentStatus, Frequency, Modality
from appointments.recurrence import Repeat
from appointments.services import Details, schedule, set_status, update
from sessions.models import TherapySession

from .datafiles import DATA_DIR, DemoDataError, check_table, display_path, read_toml

SCHEDULE_FILE = DATA_DIR / "schedule.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
WEEKS_BEFORE = 1  # the whole of last week
WEEKS_AFTER = 3  # and three weeks after this one

SLOT_KEYS = {"weekday": str, "frequency": str, "modality": str}
EXTRA_KEYS = {"client": str, "time": datetime.time, "modality": str}
STATUS_KEYS = {"client": str, "reason": str}


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = Monday
    frequency: str
    modality: str
    location: str = ""


@dataclass(frozen=True)
class Extra:
    client: str
    time: datetime.time
    modality: str
    location: str = ""
    remark: str = ""


@dataclass(frozen=True)
class Diary:
    slots: dict[str, Slot]
    today: list[Extra]
    no_show: dict
    cancelled: dict


def _choice(value: str, where: str, choices: Collection[str]) -> None:
    if value not in choices:
        raise DemoDataError(
            f"{where}: unknown value {value!r} (expected one of {', '.join(choices)})."
        )


def _known_client(name: str, where: str, slots: dict) -> None:
    if name not in slots:
        raise DemoDataError(f"{where}: {name!r} is not one of the clients of [clients].")


def load_diary(active_stories: Collection[str], path: Path | None = None) -> Diary:
    """The schedule file, checked: every active story (by file name) has exactly one slot."""
    path = path or SCHEDULE_FILE
    data = read_toml(path)
    try:
        return _check_diary(data, active_stories)
    except DemoDataError as exc:
        raise DemoDataError(f"{display_path(path)}: {exc}") from None


def _check_diary(data: dict, active_stories: Collection[str]) -> Diary:
    check_table(data, "", {"clients": dict, "no_show": dict, "cancelled": dict}, {"today": list})
    slots = {}
    for name, table in data["clients"].items():
        where = f"clients.{name}"
        if name not in active_stories:
            raise DemoDataError(f"{where}: not an active client's story file.")
        check_table(table, where, SLOT_KEYS, {"location": str})
        _choice(table["weekday"], f"{where}.weekday", WEEKDAYS)
        _choice(table["frequency"], f"{where}.frequency", Frequency.values)
        _choice(table["modality"], f"{where}.modality", Modality.values)
        slots[name] = Slot(
            weekday=WEEKDAYS.index(table["weekday"]),
            frequency=table["frequency"],
            modality=table["modality"],
            location=table.get("location", ""),
        )
    missing = [name for name in active_stories if name not in slots]
    if missing:
        raise DemoDataError(f"clients: no slot for {', '.join(missing)}.")
    extras = []
    for index, table in enumerate(data.get("today", [])):
        where = f"today[{index}]"
        check_table(table, where, EXTRA_KEYS, {"location": str, "remark": str})
        _known_client(table["client"], f"{where}.client", slots)
        _choice(table["modality"], f"{where}.modality", Modality.values)
        extras.append(Extra(**table))
    for key in ("no_show", "cancelled"):
        check_table(data[key], key, STATUS_KEYS)
        _known_client(data[key]["client"], f"{key}.client", slots)
    return Diary(slots=slots, today=extras, no_show=data["no_show"], cancelled=data["cancelled"])


def day_shift(weekday: int, last_days_ago: int, today: datetime.date) -> int:
    """Days to add to every ``days_ago`` of a story so that its last session (``last_days_ago``)
    falls on ``weekday``: the nearest such day, at most three days either way, and never later
    than yesterday."""
    last = today - datetime.timedelta(days=last_days_ago)
    shift = (last.weekday() - weekday) % 7
    if shift > 3:
        shift -= 7
    if last_days_ago + shift < 1:
        shift += 7
    return shift


def window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day the diary covers: last week's Monday to the Sunday three weeks on."""
    monday = clock.week_start(today)
    first = monday - datetime.timedelta(weeks=WEEKS_BEFORE)
    last = monday + datetime.timedelta(weeks=WEEKS_AFTER + 1) - datetime.timedelta(days=1)
    return first, last


def _details(row: TherapySession, modality: str, location: str = "", remark: str = ""):
    return Details(
        duration_minutes=row.duration_minutes, modality=modality, location=location, remark=remark
    )


def book_client(
    *, therapist, client, rows: list[TherapySession], slot: Slot, today: datetime.date
) -> list[Appointment]:
    """The client's series, and an appointment for each of its notes in the diary's span. Each
    such note is linked to its appointment (and takes its modality) before it is written."""
    first_day, last_day = window(today)
    recent = [row for row in rows if row.date >= first_day] or rows[-1:]
    anchor = recent[0]
    made = schedule(
        therapist=therapist,
        client=client,
        start=clock.aware(anchor.date, anchor.start_time),
        details=_details(anchor, slot.modality, slot.location),
        repeat=Repeat(frequency=Frequency(slot.frequency), until=last_day),
    )
    for item in made:
        _keep_off_weekends(item, therapist)
    by_day = {clock.local(item.start).date(): item for item in made}
    for row in recent:
        appointment = by_day.get(row.date)
        if appointment is None:  # a session off the usual rhythm
            (appointment,) = schedule(
                therapist=therapist,
                client=client,
                start=clock.aware(row.date, row.start_time),
                details=_details(row, row.modality),
            )
            made.append(appointment)
        row.appointment = appointment
        row.modality = appointment.modality
    return made


def _keep_off_weekends(appointment: Appointment, therapist) -> None:
    """A monthly date on a Saturday moves to the Friday before, on a Sunday to the Monday after
    (that one only: the series keeps its rule)."""
    start = clock.local(appointment.start)
    days = {5: -1, 6: 1}.get(start.weekday())
    if days is None:
        return
    update(
        appointment=appointment,
        user=therapist,
        start=clock.aware(start.date() + datetime.timedelta(days=days), start.time()),
        details=Details(
            duration_minutes=appointment.duration_minutes,
            modality=appointment.modality,
            location=appointment.location,
            remark=appointment.remark,
        ),
    )


def book_today(*, therapist, clients: dict, extras: list[Extra], today: datetime.date):
    """The extra appointments of today, for clients not already seen today."""
    start, end = clock.day_bounds(today)
    made = []
    for extra in extras:
        client = clients[extra.client]
        if Appointment.objects.filter(client=client, start__gte=start, start__lt=end).exists():
            continue
        made += schedule(
            therapist=therapist,
            client=client,
            start=clock.aware(today, extra.time),
            details=Details(modality=extra.modality, location=extra.location, remark=extra.remark),
        )
    return made


def settle(
    *, therapist, clients: dict, diary: Diary, today: datetime.date, now: datetime.datetime
) -> None:
    """What happened so far: ended appointments attended, one no-show (the latest before today),
    one cancellation (the next after today)."""
    mine = Appointment.objects.for_therapist(therapist)
    day_start, day_end = clock.day_bounds(today)
    no_show = (
        mine.filter(client=clients[diary.no_show["client"]], start__lt=day_start, notes=None)
        .order_by("-start")
        .first()
    )
    cancelled = (
        mine.filter(client=clients[diary.cancelled["client"]], start__gte=day_end)
        .order_by("start")
        .first()
    )
    for appointment in mine.filter(start__lt=now).order_by("start"):
        if appointment.end > now:
            continue  # still going on: scheduled until the therapist says otherwise
        status, reason = AppointmentStatus.ATTENDED, ""
        if no_show is not None and appointment.pk == no_show.pk:
            status, reason = AppointmentStatus.NO_SHOW, diary.no_show["reason"]
        set_status(appointment=appointment, user=therapist, status=status, reason=reason)
    if cancelled is not None:
        set_status(
            appointment=cancelled,
            user=therapist,
            status=AppointmentStatus.CANCELLED,
            reason=diary.cancelled["reason"],
        )
