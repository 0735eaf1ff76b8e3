"""The schedule: the week, booking, changing and cancelling an appointment."""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from clients.models import Client

from . import clock, services
from .forms import BookForm, ChangeForm, StatusForm, WeekForm
from .models import Appointment, AppointmentStatus
from .overlaps import overlapping

BOOK_START = datetime.time(10, 0)


def _appointments(request: HttpRequest):
    return Appointment.objects.for_therapist(request.user).select_related("client")


def _week_of(appointment) -> str:
    return _week_url(clock.local(appointment.start).date(), f"appointment-{appointment.pk}")


def _week_url(day: datetime.date, anchor: str = "") -> str:
    url = f"{reverse('appointment_week')}?week={clock.week_start(day).isoformat()}"
    return f"{url}#{anchor}" if anchor else url


@require_http_methods(["GET"])
def week(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    form = WeekForm(request.GET)
    if request.GET.get("week") and not form.is_valid():
        messages.error(
            request,
            "That week is not a date within a few years of today (write it as 2026-12-07): "
            "showing this week.",
        )
    monday = form.monday(today)
    first_day = today if monday <= today < monday + datetime.timedelta(days=7) else monday
    book = BookForm(
        clients=Client.objects.for_therapist(request.user),
        # ?client= from the client page's "Book one": that client chosen already.
        initial={"date": first_day, "time": BOOK_START, "client": request.GET.get("client", "")},
    )
    return _week_page(request, monday, book)


def _week_page(request, monday: datetime.date, book: BookForm, status: int = 200):
    start, _ = clock.day_bounds(monday)
    _, end = clock.day_bounds(monday + datetime.timedelta(days=6))
    appointments = list(_appointments(request).between(start, end).with_note_status())
    clashing = overlapping(appointments)
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        days.append(
            {
                "date": day,
                "is_today": day == clock.today(),
                "appointments": [
                    {"appointment": item, "clashes": clashing.get(item.pk, [])}
                    for item in appointments
                    if clock.local(item.start).date() == day
                ],
            }
        )
    return render(
        request,
        "appointments/week.html",
        {
            "days": days,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "this_week": clock.week_start(clock.today()),
            "book_form": book,
            "count": len(appointments),
        },
        status=status,
    )


def _warn_clashes(request, appointments) -> None:
    found = services.clashes_among(appointments, therapist=request.user)
    for item in appointments:
        for other in found.get(item.pk, []):
            when = clock.local(item.start)
            messages.warning(
                request,
                f"{item.client.code} at {when:%a %d %b %H:%M} overlaps {other.client.code} "
                f"at {clock.local(other.start):%H:%M}. Both are kept: change one if needed.",
            )


@require_http_methods(["POST"])
def book(request: HttpRequest) -> HttpResponse:
    form = BookForm(request.POST, clients=Client.objects.for_therapist(request.user))
    if not form.is_valid():
        day = form.cleaned_data.get("date") or clock.today()
        return _week_page(request, clock.week_start(day), form)
    made = services.schedule(
        therapist=request.user,
        client=form.cleaned_data["client"],
        start=form.start(),
        details=form.details(),
        repeat=form.repeat_rule(),
        request=request,
    )
    first = made[0]
    when = clock.local(first.start)
    if len(made) == 1:
        messages.success(request, f"Booked {first.client.code} on {when:%a %d %b %Y at %H:%M}.")
    else:
        last = clock.local(made[-1].start)
        messages.success(
            request,
            f"Booked {len(made)} appointments for {first.client.code}, from {when:%d %b %Y} "
            f"to {last:%d %b %Y}, at {when:%H:%M}.",
        )
    _warn_clashes(request, made)
    return redirect(_week_url(when.date(), f"appointment-{first.pk}"))


def _detail_page(request, appointment, *, change=None, status_form=None, status=200):
    log_event(action=Action.VIEW_APPOINTMENT, request=request, obj=appointment)
    appointment = _appointments(request).with_note_status().get(pk=appointment.pk)
    return render(
        request,
        "appointments/appointment_detail.html",
        {
            "appointment": appointment,
            "local_start": clock.local(appointment.start),
            "local_end": clock.local(appointment.end),
            "change_form": change or ChangeForm(appointment=appointment),
            "status_form": status_form
            or StatusForm(appointment=appointment, initial={"status": appointment.status}),
            "clashes": services.clashes(
                therapist=request.user,
                start=appointment.start,
                duration_minutes=appointment.duration_minutes,
                exclude=[appointment],
            )
            if appointment.is_held
            else [],
            "week_url": _week_of(appointment),
            "locked": services.has_signed_note(appointment),
        },
        status=status,
    )


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk) -> HttpResponse:
    appointment = get_object_or_404(_appointments(request), pk=pk)
    return _detail_page(request, appointment)


@require_http_methods(["POST"])
def change(request: HttpRequest, pk) -> HttpResponse:
    appointment = get_object_or_404(_appointments(request), pk=pk)
    form = ChangeForm(request.POST, appointment=appointment)
    if not form.is_valid():
        return _detail_page(request, appointment, change=form)
    try:
        changed = services.update(
            appointment=appointment,
            user=request.user,
            start=form.start(),
            details=form.details(),
            scope=form.chosen_scope(),
            request=request,
        )
    except services.AppointmentLocked as locked:
        form.add_error(None, str(locked))
        return _detail_page(request, appointment, change=form)
    when = clock.local(changed[0].start)
    if len(changed) > 1:
        messages.success(
            request,
            f"Moved {len(changed)} appointments of the series, from {when:%a %d %b %Y} at "
            f"{when:%H:%M}.",
        )
    else:
        messages.success(request, f"Appointment now on {when:%a %d %b %Y at %H:%M}.")
    _warn_clashes(request, [item for item in changed if item.is_held])
    return redirect(_week_url(when.date(), f"appointment-{appointment.pk}"))


@require_http_methods(["POST"])
def set_status(request: HttpRequest, pk) -> HttpResponse:
    appointment = get_object_or_404(_appointments(request), pk=pk)
    form = StatusForm(request.POST, appointment=appointment)
    if not form.is_valid():
        return _detail_page(request, appointment, status_form=form)
    try:
        changed = services.set_status(
            appointment=appointment,
            user=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data.get("reason") or "",
            scope=form.cleaned_data["scope"],
            request=request,
        )
    except services.AppointmentLocked as locked:
        form.add_error(None, str(locked))
        return _detail_page(request, appointment, status_form=form)
    label = AppointmentStatus(form.cleaned_data["status"]).label.lower()
    if len(changed) > 1:
        messages.success(request, f"{len(changed)} appointments of the series marked {label}.")
    else:
        messages.success(request, f"Appointment marked {label}.")
    return redirect(_week_of(appointment))
