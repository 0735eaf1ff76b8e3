"""The demo therapist's diary (demo/schedule.py, demo/data/schedule.toml): recurring
appointments around the day the demo is seeded, with notes linked, missing notes, a no-show and
a cancellation, on whatever day of the week it is seeded."""

import datetime
import itertools
import shutil
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from appointments import clock
from appointments.models import Appointment, AppointmentStatus, Series
from clients.models import Client
from demo import schedule
from demo.caseload import seed_demo_therapist
from sessions.models import NoteStatus, TherapySession

# A Monday; the week of 7 December 2026 has no daylight-saving change in Europe/London.
MONDAY = datetime.date(2026, 12, 7)
WEEK = [MONDAY + datetime.timedelta(days=n) for n in range(7)]


def seed_on(day: datetime.date, at: datetime.time = datetime.time(13, 30)):
    return seed_demo_therapist(today=day, now=clock.aware(day, at))


def demo_appointments():
    return Appointment.objects.filter(client__therapist__username="demo").select_related("client")


def on_day(day: datetime.date):
    start, end = clock.day_bounds(day)
    return demo_appointments().filter(start__gte=start, start__lt=end)


def attended_without_signed_note():
    return (
        demo_appointments()
        .filter(status=AppointmentStatus.ATTENDED)
        .exclude(notes__status=NoteStatus.SIGNED)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("day", WEEK, ids=[day.strftime("%A") for day in WEEK])
def test_every_day_of_the_week_has_the_dashboard_filled(day):
    report = seed_on(day)
    assert report.appointments == demo_appointments().count() > 0
    assert on_day(day).count() >= 2
    # Later today (13:30 now) there is still someone to see.
    assert on_day(day).filter(status=AppointmentStatus.SCHEDULED).exists()
    missing = attended_without_signed_note()
    assert missing.exists()
    assert missing.filter(notes=None).exists(), "an attended appointment with no note at all"
    assert demo_appointments().filter(status=AppointmentStatus.NO_SHOW).count() == 1
    assert demo_appointments().filter(status=AppointmentStatus.CANCELLED).count() == 1
    assert Series.objects.filter(client__therapist__username="demo").count() >= 5


@pytest.mark.django_db
def test_the_no_show_and_the_cancellation_carry_their_reasons():
    seed_on(WEEK[2])
    no_show = demo_appointments().get(status=AppointmentStatus.NO_SHOW)
    cancelled = demo_appointments().get(status=AppointmentStatus.CANCELLED)
    now = clock.aware(WEEK[2], datetime.time(13, 30))
    assert no_show.end <= now < cancelled.start
    assert "did not answer" in no_show.status_reason.lower()
    assert "work trip" in cancelled.status_reason.lower()
    assert not no_show.notes.exists() and not cancelled.notes.exists()


@pytest.mark.django_db
def test_appointments_are_settled_as_of_the_moment_the_demo_is_seeded():
    day = WEEK[3]
    now = clock.aware(day, datetime.time(13, 30))
    seed_demo_therapist(today=day, now=now)
    for appointment in demo_appointments():
        if appointment.end <= now:
            assert appointment.status in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW)
        elif appointment.status != AppointmentStatus.CANCELLED:
            assert appointment.status == AppointmentStatus.SCHEDULED
    # Earlier today attended, later today scheduled.
    today = list(on_day(day))
    assert {item.status for item in today if item.end <= now} == {AppointmentStatus.ATTENDED}
    assert {item.status for item in today if item.start > now} == {AppointmentStatus.SCHEDULED}


@pytest.mark.django_db
def test_seeded_before_the_day_begins_nothing_of_today_is_attended_yet():
    day = WEEK[1]
    seed_demo_therapist(today=day, now=clock.aware(day, datetime.time(7, 0)))
    assert on_day(day).count() >= 2
    assert set(on_day(day).values_list("status", flat=True)) == {AppointmentStatus.SCHEDULED}
    assert attended_without_signed_note().filter(notes=None).exists()


# The diary of a December week, and of weeks whose span crosses a daylight-saving change.
SPANS = [WEEK[0], datetime.date(2027, 3, 24), datetime.date(2026, 10, 19)]


@pytest.mark.django_db
@pytest.mark.parametrize("day", SPANS, ids=str)
def test_series_repeat_at_the_same_wall_clock_time_on_weekdays_in_working_hours(day):
    seed_on(day)
    series = Series.objects.filter(client__therapist__username="demo")
    frequencies = Counter(item.frequency for item in series)
    assert frequencies["weekly"] >= 2 and frequencies["fortnightly"] >= 2
    assert frequencies["monthly"] == 1
    first, last = schedule.window(day)
    for item in series:
        starts = [clock.local(a.start) for a in item.appointments.order_by("start")]
        assert len(starts) >= 2 or item.frequency == "monthly"
        assert {start.time() for start in starts} == {starts[0].time()}
        if item.frequency != "monthly":
            gap = 7 if item.frequency == "weekly" else 14
            assert all((b - a).days == gap for a, b in itertools.pairwise(starts))
        assert starts[-1].date() <= last
        assert any(start.date() >= first for start in starts)
    in_series = demo_appointments().exclude(series=None)
    for appointment in in_series:
        start = clock.local(appointment.start)
        assert start.weekday() < 5
        assert datetime.time(8) <= start.time() and clock.local(appointment.end).time() <= (
            datetime.time(19, 30)
        )
    modalities = set(demo_appointments().values_list("modality", flat=True))
    assert {"in_person", "video", "phone"} <= modalities


@pytest.mark.django_db
def test_a_weekend_clinic_has_appointments_today():
    saturday = WEEK[5]
    seed_on(saturday)
    assert on_day(saturday).count() >= 2
    assert all(item.series_id is None for item in on_day(saturday))


@pytest.mark.django_db
def test_notes_record_the_appointment_at_their_date_and_time():
    seed_on(WEEK[4])
    linked = list(
        TherapySession.objects.filter(client__therapist__username="demo")
        .exclude(appointment=None)
        .select_related("appointment")
    )
    assert len(linked) >= 5
    assert {note.status for note in linked} == {NoteStatus.SIGNED, NoteStatus.DRAFT}
    for note in linked:
        start = clock.local(note.appointment.start)
        assert (start.date(), start.time()) == (note.date, note.start_time)
        assert note.appointment.client_id == note.client_id
        assert note.appointment.status == AppointmentStatus.ATTENDED
        assert note.modality == note.appointment.modality
    # The draft (the dashboard's unsigned note) is on an attended appointment.
    assert attended_without_signed_note().filter(notes__status=NoteStatus.DRAFT).count() == 1


@pytest.mark.django_db
def test_every_appointment_is_of_a_demo_client_and_none_overlap():
    seed_on(WEEK[2])
    demo_clients = set(
        Client.objects.filter(therapist__username="demo").values_list("pk", flat=True)
    )
    assert set(Appointment.objects.values_list("client_id", flat=True)) <= demo_clients
    busy = sorted(
        demo_appointments().exclude(status=AppointmentStatus.CANCELLED), key=lambda a: a.start
    )
    for earlier, later in itertools.pairwise(busy):
        assert earlier.end <= later.start, (earlier, later)


@pytest.mark.django_db
def test_seeding_twice_adds_no_appointment():
    def counts():
        return Appointment.objects.count(), Series.objects.count(), TherapySession.objects.count()

    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    assert f"and {first[0]} appointments" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == first
    assert f"{first[0]} appointments; nothing changed" in out.getvalue()
    assert on_day(timezone.localdate()).count() >= 2


@pytest.mark.django_db
def test_seeding_uses_todays_date_when_none_is_given():
    seed_demo_therapist()
    assert on_day(timezone.localdate()).count() >= 2


# (text in schedule.toml, what it becomes, what the error names)
MALFORMED_SCHEDULES = [
    ('weekday = "tue"', 'weekday = "sat"', "clients.01-noor.weekday: unknown value 'sat'"),
    ('frequency = "monthly"', 'frequency = "yearly"', "frequency: unknown value 'yearly'"),
    ('[clients."05-gerald"]', '[clients."05-gerld"]', "clients.05-gerld: not an active"),
    ('client = "04-kai"', 'client = "07-samuel"', "today[1].client: '07-samuel' is not one"),
    ("time = 12:00:00", 'time = "noon"', "today[1].time: expected a time"),
    ("[no_show]\nclient", "[no_show]\nwhen = 'later'\nclient", "no_show.when: unknown key"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new", "problem"), MALFORMED_SCHEDULES)
def test_a_malformed_schedule_is_one_clear_error_and_seeds_nothing(
    tmp_path, monkeypatch, old, new, problem
):
    path = tmp_path / "schedule.toml"
    shutil.copy(schedule.SCHEDULE_FILE, path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    monkeypatch.setattr(schedule, "SCHEDULE_FILE", path)
    with pytest.raises(CommandError) as excinfo:
        call_command("seed_demo", stdout=StringIO())
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert not Client.objects.exists() and not Appointment.objects.exists()
