"""Which questionnaires are due for a client on a day, from the client's schedule
(``MeasureSchedule.due``) and what the client has already completed:

- every session: due unless one was completed that day;
- every 4 weeks: due unless one was completed in the 27 days before or on that day (so a
  questionnaire completed exactly 4 weeks earlier makes it due again);
- at intake and discharge: due while the client has never completed it (intake), and again
  once the client is discharged, unless one was completed on or after 28 days before the
  discharge date (a score at the last sessions counts as the discharge score). The clients app
  has no "discharge planned" state: the discharge is the signal.

A discharged client has no sessions: only the discharge questionnaire can be due then.
"""

import datetime
from collections import defaultdict

from appointments import clock
from clients.models import ClientStatus

from . import catalogue
from .catalogue import Measure
from .models import Administration, Frequency, MeasureSchedule
from .reports import client_history

FOUR_WEEKS = datetime.timedelta(days=28)
DISCHARGE_WINDOW = datetime.timedelta(days=28)


def due_for(client, *, on: datetime.date, schedule=None, history=None) -> list[Measure]:
    """The measures due for ``client`` on ``on``, in catalogue order. ``schedule`` (the
    client's MeasureSchedule) and ``history`` (reports.client_history) are read when not
    given."""
    if schedule is None:
        schedule = MeasureSchedule.objects.filter(client=client).first()
    if schedule is None or not schedule.due:
        return []
    if history is None:
        history = client_history(client)
    taken = {item.measure.slug: [point.date for point in item.points] for item in history}
    return _due(client, schedule.due, taken, on)


def _due(client, due: dict, taken: dict, on: datetime.date) -> list[Measure]:
    measures = catalogue.all_measures()
    found = []
    for slug, frequency in due.items():
        measure = measures.get(slug)
        if measure is not None and _is_due(client, frequency, taken.get(slug, ()), on):
            found.append(measure)
    order = list(measures)
    return sorted(found, key=lambda measure: order.index(measure.slug))


def _is_due(client, frequency: str, dates, on: datetime.date) -> bool:
    dates = [day for day in dates if day <= on]
    discharged = client.status == ClientStatus.DISCHARGED
    if frequency == Frequency.INTAKE_DISCHARGE:
        if not dates:
            return True
        if discharged and client.discharge_date:
            return not any(day >= client.discharge_date - DISCHARGE_WINDOW for day in dates)
        return False
    if discharged:
        return False
    if frequency == Frequency.EVERY_SESSION:
        return on not in dates
    if frequency == Frequency.EVERY_4_WEEKS:
        return not any(on - day < FOUR_WEEKS for day in dates)
    return False


def due_by_appointment(user, appointments) -> dict:
    """{appointment id: [Measure, ...]} for the appointments (of the therapist's own clients,
    still to be held or held) that have a questionnaire due on their day; two queries
    whatever their number. Appointments with nothing due are left out."""
    appointments = [
        item
        for item in appointments
        if item.client.therapist_id == getattr(user, "pk", None) and item.is_held
    ]
    client_ids = {item.client_id for item in appointments}
    if not client_ids:
        return {}
    schedules = {
        schedule.client_id: schedule.due
        for schedule in MeasureSchedule.objects.filter(client_id__in=client_ids)
    }
    wanted = {client_id for client_id, due in schedules.items() if due}
    taken: dict = defaultdict(lambda: defaultdict(list))
    for row in Administration.objects.filter(client_id__in=wanted):
        taken[row.client_id][row.measure].append(row.administered_on)
    found = {}
    for item in appointments:
        if item.client_id not in wanted:
            continue
        day = clock.local(item.start).date()
        due = _due(item.client, schedules[item.client_id], taken[item.client_id], day)
        if due:
            found[item.pk] = due
    return found
