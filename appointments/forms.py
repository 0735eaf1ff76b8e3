"""The schedule's forms: book, change, set a status. They only read input; the writes are
appointments.services'."""

import datetime
import re

from django import forms

from clients.models import ClientStatus

from . import clock
from .models import MAX_DURATION_MINUTES, AppointmentStatus, Frequency, Modality
from .recurrence import MAX_OCCURRENCES, RecurrenceError, Repeat, local_starts
from .services import Details, Scope

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
# How far from today an appointment may be booked or moved.
LATEST_YEARS_AHEAD = 3
EARLIEST_YEARS_BACK = 2


def _client_label(client) -> str:
    return f"{client.display_name} · {client.code}"


class _When(forms.Form):
    """Date, time and what the appointment is: shared by booking and changing one."""

    date = forms.DateField(widget=DATE_WIDGET)
    time = forms.TimeField(widget=TIME_WIDGET, label="Start time")
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)",
        min_value=1,
        max_value=MAX_DURATION_MINUTES,
        initial=50,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_DURATION_MINUTES, "step": 5}),
    )
    modality = forms.ChoiceField(choices=Modality.choices, initial=Modality.IN_PERSON)
    location = forms.CharField(
        max_length=200, required=False, help_text="Room, video link name, or leave empty."
    )
    remark = forms.CharField(
        label="Private remark",
        max_length=5_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only you see it; never in the calendar feed.",
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = clock.today()
        if day.year > today.year + LATEST_YEARS_AHEAD:
            raise forms.ValidationError(
                f"That is more than {LATEST_YEARS_AHEAD} years ahead: check the year."
            )
        if day.year < today.year - EARLIEST_YEARS_BACK:
            raise forms.ValidationError(
                f"That is more than {EARLIEST_YEARS_BACK} years ago: check the year."
            )
        return day

    def start(self) -> datetime.datetime:
        return clock.aware(self.cleaned_data["date"], self.cleaned_data["time"])

    def details(self) -> Details:
        return Details(
            duration_minutes=self.cleaned_data["duration_minutes"],
            modality=self.cleaned_data["modality"],
            location=self.cleaned_data.get("location") or "",
            remark=self.cleaned_data.get("remark") or "",
        )


NO_REPEAT = ""


class BookForm(_When):
    client = forms.ChoiceField(label="Client")
    repeat = forms.ChoiceField(
        choices=[(NO_REPEAT, "Does not repeat"), *Frequency.choices], required=False
    )
    until = forms.DateField(widget=DATE_WIDGET, required=False, label="Repeat until")
    count = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_OCCURRENCES,
        label="or number of appointments",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_OCCURRENCES}),
    )
    skip = forms.CharField(
        required=False,
        label="Skip dates",
        help_text="Dates without an appointment (holidays), e.g. 2026-12-24 2026-12-31.",
    )

    field_order = ["client", "date", "time", "duration_minutes", "modality", "location"]

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.clients = {str(client.pk): client for client in clients}
        choices = sorted(
            (
                (pk, _client_label(client))
                for pk, client in self.clients.items()
                if client.status != ClientStatus.DISCHARGED
            ),
            key=lambda item: item[1].casefold(),
        )
        self.fields["client"].choices = [("", "— choose —"), *choices]

    def clean_client(self):
        value = self.cleaned_data["client"]
        client = self.clients.get(value)
        if client is None:
            raise forms.ValidationError("Choose one of your clients.")
        return client

    def clean_skip(self) -> frozenset[datetime.date]:
        text = self.cleaned_data.get("skip") or ""
        days = set()
        for word in re.split(r"[\s,;]+", text.strip()):
            if not word:
                continue
            try:
                days.add(datetime.date.fromisoformat(word))
            except ValueError:
                raise forms.ValidationError(
                    f"“{word[:20]}” is not a date: write dates as 2026-12-24."
                ) from None
        return frozenset(days)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("repeat"):
            return cleaned
        if cleaned.get("until") is None and cleaned.get("count") is None:
            self.add_error("until", "Give an end date or a number of appointments.")
            return cleaned
        if "date" in cleaned and "time" in cleaned:
            try:
                occurrences = local_starts(
                    datetime.datetime.combine(cleaned["date"], cleaned["time"]), self.repeat_rule()
                )
            except RecurrenceError as error:
                self.add_error("until", str(error))
            else:
                if not occurrences:
                    self.add_error("skip", "Every date of the series is skipped.")
        return cleaned

    def repeat_rule(self) -> Repeat | None:
        frequency = self.cleaned_data.get("repeat")
        if not frequency:
            return None
        return Repeat(
            frequency=Frequency(frequency),
            until=self.cleaned_data.get("until"),
            count=self.cleaned_data.get("count"),
            skipped=self.cleaned_data.get("skip") or frozenset(),
        )


class ChangeForm(_When):
    """Move or change one appointment, or it and the rest of its series."""

    scope = forms.ChoiceField(
        choices=[
            (Scope.THIS, "This appointment only"),
            (Scope.FOLLOWING, "This and the following appointments of the series"),
        ],
        initial=Scope.THIS,
        widget=forms.RadioSelect,
        label="Change",
    )

    def __init__(self, *args, appointment, **kwargs):
        local = clock.local(appointment.start)
        initial = {
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": appointment.duration_minutes,
            "modality": appointment.modality,
            "location": appointment.location,
            "remark": appointment.remark,
            "scope": Scope.THIS,
        }
        super().__init__(*args, initial=initial, **kwargs)
        if appointment.series_id is None:
            del self.fields["scope"]

    def chosen_scope(self) -> str:
        return self.cleaned_data.get("scope") or Scope.THIS


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=AppointmentStatus.choices)
    reason = forms.CharField(
        max_length=500,
        required=False,
        help_text="Why it was cancelled or missed (only you see it).",
    )
    scope = forms.ChoiceField(
        choices=[
            (Scope.THIS, "This appointment only"),
            (Scope.FOLLOWING, "Also cancel the rest of the series"),
        ],
        initial=Scope.THIS,
        required=False,
        widget=forms.RadioSelect,
        label="Apply to",
    )

    def __init__(self, *args, appointment, **kwargs):
        # Ids of its own: the change form on the same page has a "scope" too.
        kwargs.setdefault("auto_id", "id_status_%s")
        super().__init__(*args, **kwargs)
        self.appointment = appointment
        if appointment.series_id is None:
            del self.fields["scope"]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        scope = cleaned.get("scope") or Scope.THIS
        if scope == Scope.FOLLOWING and status != AppointmentStatus.CANCELLED:
            self.add_error("scope", "Only a cancellation applies to the rest of the series.")
        cleaned["scope"] = scope
        return cleaned


class WeekForm(forms.Form):
    """?week=2026-12-07 (any day of the week), within the years a booking may be in."""

    week = forms.DateField(required=False)

    def clean_week(self):
        day = self.cleaned_data.get("week")
        today = clock.today()
        if day and not (
            today.year - EARLIEST_YEARS_BACK - 1 <= day.year <= today.year + LATEST_YEARS_AHEAD + 1
        ):
            raise forms.ValidationError("That week is too far from today.")
        return day

    def monday(self, today: datetime.date) -> datetime.date:
        day = (self.cleaned_data.get("week") if self.is_valid() else None) or today
        return clock.week_start(day)
