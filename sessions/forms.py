import datetime

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.utils import timezone

from encryption.validators import validate_plain_text
from themes.models import Category, Intensity, Theme

from .models import (
    ALL_SECTIONS,
    FORMAT_SECTIONS,
    MAX_DURATION_MINUTES,
    SECTION_HELP,
    SECTION_LABELS,
    NoteFormat,
    TherapySession,
)

THEME_FIELD_PREFIX = "theme_"
SECTION_FIELD_PREFIX = "section_"
LATEST_FUTURE_DAYS = 366


def _formats_with(section: str) -> list[str]:
    return [fmt.value for fmt, keys in FORMAT_SECTIONS.items() if section in keys]


class SessionForm(forms.ModelForm):
    """Session details, the note's format sections, and the themes the session touched."""

    class Meta:
        model = TherapySession
        fields = [
            "date",
            "start_time",
            "duration_minutes",
            "session_type",
            "modality",
            "note_format",
            "mood_affect",
            "risk_level",
            "risk_notes",
            "interventions",
            "plan",
            "next_appointment",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "next_appointment": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "risk_notes": forms.Textarea(attrs={"rows": 2}),
            "interventions": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"duration_minutes": "Duration (minutes)", "start_time": "Start time"}
        help_texts = {
            "risk_notes": "Your reasoning for the risk level, and any safety planning.",
            "interventions": "Techniques and approaches used, e.g. CBT, EMDR, psychoeducation.",
        }

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["duration_minutes"].widget.attrs.update({"min": 1, "max": MAX_DURATION_MINUTES})
        # The model field's form field allows 0 and says "at least 0"; the minimum is 1.
        duration = self.fields["duration_minutes"]
        duration.min_value = 1
        duration.validators = [
            *(v for v in duration.validators if not isinstance(v, MinValueValidator)),
            MinValueValidator(1),
        ]
        self.fields["note_format"].widget.attrs["data-note-format"] = ""
        max_chars = settings.NOTE_MAX_CHARS
        note = self.instance.note or {}
        for key in ALL_SECTIONS:
            self.fields[SECTION_FIELD_PREFIX + key] = forms.CharField(
                label=SECTION_LABELS[key],
                help_text=SECTION_HELP[key],
                required=False,
                max_length=max_chars,
                validators=[validate_plain_text],
                initial=note.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 6}),
            )
        self._add_theme_fields()

    def _add_theme_fields(self) -> None:
        current = self.instance.theme_intensities()
        # Archived themes stay selectable only where this session already uses them.
        themes = [t for t in Theme.objects.all() if t.active or t.pk in current]
        self.theme_groups: list[tuple[str, list[str]]] = []
        by_category: dict[str, list[str]] = {}
        choices = [("", "—"), *Intensity.choices]
        for theme in themes:
            name = f"{THEME_FIELD_PREFIX}{theme.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=theme.name,
                help_text=theme.description,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=current.get(theme.pk, ""),
            )
            self.fields[name].theme = theme
            by_category.setdefault(theme.category, []).append(name)
        for value, label in Category.choices:
            if value in by_category:
                self.theme_groups.append((label, by_category[value]))

    # --- validation ------------------------------------------------------------------------
    def clean_date(self):
        session_date = self.cleaned_data["date"]
        birth_date = self.client.date_of_birth
        if birth_date and session_date < birth_date:
            raise forms.ValidationError(
                f"The session date is before the client's date of birth ({birth_date.isoformat()})."
            )
        if session_date > timezone.localdate() + datetime.timedelta(days=LATEST_FUTURE_DAYS):
            raise forms.ValidationError("The session date is more than a year in the future.")
        return session_date

    def clean(self):
        cleaned = super().clean()
        note_format = cleaned.get("note_format")
        if note_format:
            kept = FORMAT_SECTIONS[NoteFormat(note_format)]
            for key in ALL_SECTIONS:
                if key not in kept and cleaned.get(SECTION_FIELD_PREFIX + key):
                    self.add_error(
                        SECTION_FIELD_PREFIX + key,
                        f"The {NoteFormat(note_format).label} format has no "
                        f"{SECTION_LABELS[key]} section: move this text into one of its "
                        "sections, or clear it.",
                    )
        total = sum(len(cleaned.get(SECTION_FIELD_PREFIX + key) or "") for key in ALL_SECTIONS)
        if total > settings.NOTE_MAX_CHARS:
            raise forms.ValidationError(
                f"The note is {total:,} characters long; the maximum is "
                f"{settings.NOTE_MAX_CHARS:,}. Shorten it or move detail elsewhere."
            )
        start = cleaned.get("date")
        next_appointment = cleaned.get("next_appointment")
        if start and next_appointment and next_appointment.date() < start:
            self.add_error("next_appointment", "The next appointment is before this session.")
        return cleaned

    # --- saving ----------------------------------------------------------------------------
    def save(self, commit=True):
        session = super().save(commit=False)
        session.client = self.client
        kept = FORMAT_SECTIONS[NoteFormat(session.note_format)]
        session.note = {
            key: self.cleaned_data[SECTION_FIELD_PREFIX + key]
            for key in kept
            if self.cleaned_data.get(SECTION_FIELD_PREFIX + key)
        }
        session.themes = [
            {"theme": field.theme.pk, "intensity": self.cleaned_data[name]}
            for name, field in self.fields.items()
            if name.startswith(THEME_FIELD_PREFIX) and self.cleaned_data.get(name)
        ]
        if commit:
            session.save()
        return session

    # --- rendering helpers -----------------------------------------------------------------
    def section_rows(self) -> list[dict]:
        """Each section's field, the formats it belongs to, and whether to show it now."""
        fmt = self["note_format"].value()
        try:
            shown = set(FORMAT_SECTIONS[NoteFormat(fmt)])
        except ValueError:
            shown = set(FORMAT_SECTIONS[NoteFormat.SOAP])
        rows = []
        for key in ALL_SECTIONS:
            bound = self[SECTION_FIELD_PREFIX + key]
            has_text = bool((bound.value() or "").strip())
            rows.append(
                {
                    "field": bound,
                    "formats": " ".join(_formats_with(key)),
                    "hidden": key not in shown and not has_text,
                    "out_of_format": key not in shown and has_text,
                }
            )
        return rows

    def theme_field_groups(self):
        return [(label, [self[name] for name in names]) for label, names in self.theme_groups]


class StartSessionForm(forms.Form):
    """The dashboard shortcut: pick a client, then log a session for them."""

    client = forms.UUIDField(widget=forms.Select, label="Client")

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        # Names are encrypted, so the choices are sorted here rather than in SQL.
        ordered = sorted(clients, key=lambda c: c.sort_key())
        self.fields["client"].widget.choices = [
            ("", "Choose a client…"),
            *((str(c.pk), f"{c.full_name} ({c.code})") for c in ordered),
        ]
