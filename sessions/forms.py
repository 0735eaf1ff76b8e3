import datetime
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone

from appointments.models import Appointment
from clients.models import Client
from encryption.validators import validate_plain_text

from .form_aids import add_fields as add_aid_fields
from .links import Intensity, ThemeLink, parse_theme_ids
from .models import (
    ALL_SECTIONS,
    FORMAT_SECTIONS,
    MAX_DURATION_MINUTES,
    SECTION_HELP,
    SECTION_LABELS,
    NoteFormat,
    RiskLevel,
    TherapySession,
    join_parts,
    text_parts,
)
from .tagging import note_themes

THEME_FIELD_PREFIX = "theme_"
EVIDENCE_FIELD_PREFIX = "evidence_"
EVIDENCE_MAX_CHARS = 300
SECTION_FIELD_PREFIX = "section_"
LATEST_FUTURE_DAYS = 366
# The largest numbers the columns they are written to hold on every database (SQLite would take
# more, PostgreSQL's integer would not): a larger one is refused as bad input, never a 500.
MAX_VERSION = 2**31 - 1  # TherapySession.version, SessionDraft.base_version: integer
MAX_SEQ = 2**63 - 1  # SessionDraft.seq: bigint


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

    # Not model fields: the page's autosave key and the note version the page was loaded from.
    draft_key = forms.CharField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        max_value=MAX_VERSION,
        error_messages={
            key: "This form names a version of the note that cannot exist. Reload the page: "
            "what you typed is kept as an autosaved draft."
            for key in ("invalid", "min_value", "max_value")
        },
    )
    # Ids of the theme suggestions dismissed on this note, space-separated (the page script
    # adds to it), so that they are not offered again after a reload, a restore or an edit.
    dismissed_themes = forms.CharField(widget=forms.HiddenInput, required=False)
    # The appointment a new note records (the dashboard's *Write note*), kept through autosave.
    appointment = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, client, fields_dropped: int = 0, **kwargs):
        given_initial = kwargs.get("initial") or {}
        super().__init__(*args, **kwargs)
        self.client = client
        # A post read again with its theme fields left out (sessions.middleware): the themes
        # saved before stand in for them, so that saving this form again keeps them.
        self.fields_dropped = fields_dropped
        if fields_dropped and self.is_bound:
            self.data = self.data.copy()
            for link in self.instance.theme_links():
                self.data[f"{THEME_FIELD_PREFIX}{link.theme_id}"] = str(link.intensity)
                self.data[f"{EVIDENCE_FIELD_PREFIX}{link.theme_id}"] = link.evidence
        self.fields["duration_minutes"].widget.attrs.update({"min": 1, "max": MAX_DURATION_MINUTES})
        # The model field's form field allows 0 and says "at least 0"; the minimum is 1.
        duration = self.fields["duration_minutes"]
        duration.min_value = 1
        duration.validators = [
            *(v for v in duration.validators if not isinstance(v, MinValueValidator)),
            MinValueValidator(1),
        ]
        self.fields["note_format"].widget.attrs["data-note-format"] = ""
        # Risk is recorded every session, deliberately: a new note starts with no level chosen.
        risk = self.fields["risk_level"]
        risk.choices = [("", "— choose —"), *RiskLevel.choices]
        risk.required = True
        risk.error_messages["required"] = "Choose a risk level for this session."
        if self.instance._state.adding and "risk_level" not in given_initial:
            self.initial["risk_level"] = ""
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
        add_aid_fields(self)  # the note form's aids that record something with the note
        self.fields["dismissed_themes"].initial = " ".join(
            str(pk) for pk in self.instance.dismissed_themes or []
        )

    def _add_theme_fields(self) -> None:
        links = {link.theme_id: link for link in self.instance.theme_links()}
        groups, self.available_theme_ids = note_themes().options(
            self.client.therapist, keep=set(links)
        )
        self.theme_groups: list[tuple[str, list[str]]] = []
        choices = [("", "—"), *Intensity.choices]
        for group in groups:
            names = []
            for option in group.options:
                name = f"{THEME_FIELD_PREFIX}{option.id}"
                link = links.get(option.id)
                self.fields[name] = forms.TypedChoiceField(
                    label=option.name,
                    help_text=option.description,
                    choices=choices,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=link.intensity if link else "",
                )
                self.fields[name].theme_id = option.id
                # The phrase behind an accepted suggestion, kept with the (encrypted) link.
                self.fields[f"{EVIDENCE_FIELD_PREFIX}{option.id}"] = forms.CharField(
                    required=False,
                    max_length=EVIDENCE_MAX_CHARS,
                    widget=forms.HiddenInput,
                    validators=[validate_plain_text],
                    initial=link.evidence if link else "",
                )
                names.append(name)
            self.theme_groups.append((group.label, names))

    def note_text(self, *, with_plan: bool = True) -> str:
        """The free text as submitted (or as stored), for theme suggestions. Cut at twice the
        note limit, as the suggestion endpoint does: a post over the limit is refused anyway,
        and the suggestions need not read all of it."""
        values = {
            name: str(self[name].value() or "")
            for name in ("mood_affect", "plan", "interventions", "risk_notes")
        }
        # Every section typed in, also those outside the format (they are refused on save,
        # and the text is still the therapist's).
        values["note"] = {
            key: str(self[SECTION_FIELD_PREFIX + key].value() or "") for key in ALL_SECTIONS
        }
        parts = text_parts(values, NoteFormat.SOAP, with_plan=with_plan, sections=ALL_SECTIONS)
        return join_parts(parts)[: 2 * settings.NOTE_MAX_CHARS]

    def plan_text(self) -> str:
        return str(self["plan"].value() or "").strip()[: settings.NOTE_MAX_CHARS]

    def draft_payload(self) -> dict[str, str]:
        """The submitted values as typed (valid or not), for keeping as a draft."""
        return draft_payload_from(self.data, self.fields)

    # --- validation ------------------------------------------------------------------------
    def clean_draft_key(self) -> uuid.UUID:
        # A missing or mangled key only means this page starts a new autosave slot.
        return parse_draft_key(self.cleaned_data.get("draft_key"))

    def clean_dismissed_themes(self) -> list[int]:
        # Ids of other therapists' themes, or of none, are dropped rather than refused: the
        # list is written by the page script, and a stale id must not block saving the note.
        ids = parse_theme_ids(self.cleaned_data.get("dismissed_themes") or "")
        return [pk for pk in ids if pk in self.available_theme_ids]

    def dismissed_theme_ids(self) -> list[int]:
        """The dismissed suggestions as submitted (or as stored), valid or not."""
        return parse_theme_ids(self["dismissed_themes"].value() or "")

    def clean_appointment(self) -> Appointment | None:
        """A new note's appointment: one of this client's, without a note yet. An edited note
        keeps the one it has, whatever is posted."""
        if not self.instance._state.adding:
            return self.instance.appointment
        value = (self.cleaned_data.get("appointment") or "").strip()
        if not value:
            return None
        try:
            appointment = Appointment.objects.filter(client=self.client, pk=value).first()
        except ValidationError:
            appointment = None
        if appointment is None:
            raise forms.ValidationError(
                "The appointment this note was started from is not one of this client's. "
                "Start the note again from the dashboard."
            )
        if TherapySession.objects.filter(appointment=appointment).exists():
            raise forms.ValidationError(
                "That appointment already has a note: open it from the dashboard or the "
                "schedule. What you typed is kept as an autosaved draft."
            )
        return appointment

    def clean_version(self):
        version = self.cleaned_data.get("version")
        if not self.instance._state.adding and version is None:
            raise forms.ValidationError(
                "This form does not say which version of the note it edits. Reload the page."
            )
        return version

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
        if "risk_level" in self.errors:
            evidence = note_themes().current_risk_phrases(
                self.note_text(with_plan=False), plan=self.plan_text()
            )
            if evidence:
                quoted = "”, “".join(dict.fromkeys(evidence))
                self.errors["risk_level"] = self.error_class(
                    [f"This note describes current risk (“{quoted}”): choose a risk level."]
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
        elif (
            start
            and next_appointment
            and next_appointment.date() > start + datetime.timedelta(days=LATEST_FUTURE_DAYS)
        ):
            self.add_error(
                "next_appointment",
                "The next appointment is more than a year after this session: check the year.",
            )
        if self.fields_dropped:
            self.add_error(
                None,
                f"This page sent {self.fields_dropped:,} fields, more than the "
                f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} the server reads, so the theme "
                "choices on it were not kept: the themes shown are those saved before. Your "
                "note text is here and kept as a draft: check the themes, then save again.",
            )
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
        session.set_theme_links(
            ThemeLink(
                field.theme_id,
                self.cleaned_data[name],
                self.cleaned_data.get(f"{EVIDENCE_FIELD_PREFIX}{field.theme_id}") or "",
            )
            for name, field in self.fields.items()
            if name.startswith(THEME_FIELD_PREFIX) and self.cleaned_data.get(name)
        )
        session.dismissed_themes = self.cleaned_data.get("dismissed_themes") or []
        if session._state.adding:
            session.appointment = self.cleaned_data.get("appointment")
        if commit:
            raise ValueError("Notes are written by sessions.services: save(commit=False).")
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

    def comparison_rows(self) -> list[tuple[str, str]]:
        """(label, text) of every part of the note, as this form holds it, for side-by-side
        comparison on the conflict page."""
        rows = []
        for name, field in self.fields.items():
            if name in ("draft_key", "version", "dismissed_themes") or name.startswith(
                EVIDENCE_FIELD_PREFIX
            ):
                continue
            value = self[name].value()
            if name.startswith(THEME_FIELD_PREFIX):
                if value in (None, ""):
                    continue
                rows.append((f"Theme: {field.label}", dict(field.choices).get(_int(value), value)))
                continue
            choices = dict(getattr(field, "choices", []) or [])
            text = choices.get(value, value)
            rows.append((str(field.label), "" if text is None else str(text)))
        return rows

    @classmethod
    def autosaved_field_names(cls, client) -> list[str]:
        return [name for name in cls(client=client).fields if name not in ("draft_key", "version")]

    def evidence_fields(self):
        """The evidence inputs that hold a phrase (or an error). The others are not written
        into the page: the page script adds one when a suggestion is accepted, so that a
        page with many themes does not post two fields for each."""
        return [
            self[name]
            for name in self.fields
            if name.startswith(EVIDENCE_FIELD_PREFIX) and (self[name].value() or self[name].errors)
        ]

    def theme_field_groups(self):
        return [(label, [self[name] for name in names]) for label, names in self.theme_groups]


DRAFT_VALUE_MAX_CHARS = 200_000


def parse_draft_key(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return uuid.uuid4()


def bounded_number(value, *, minimum: int, maximum: int) -> int | None:
    """A posted whole number from minimum to maximum, or None. ASCII digits only: int() also
    reads other scripts' digits, signs, spaces and underscores, which no page posts."""
    text = str(value if value is not None else "")
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def posted_version(data) -> int | None:
    """The version of the note a page was loaded from (its ``version`` field); None when it
    names none. A number past the column's range is no note's version: 0, which the
    conditional save never finds, so the page is told that the note changed."""
    text = data.get("version") or ""
    if not (text.isascii() and text.isdecimal()):
        return None
    return bounded_number(text, minimum=1, maximum=MAX_VERSION) or 0


def fixed_field_names() -> set[str]:
    """The session form's fields other than the per-theme ones: what a post with too many
    fields is read again for (sessions.middleware)."""
    return {*SessionForm.base_fields, *(SECTION_FIELD_PREFIX + key for key in ALL_SECTIONS)}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=100_000,
        validators=[validate_plain_text],
        help_text="Dated and signed with your name when you add it. It cannot be changed later.",
    )
    # Posted only by the confirmation step's button (the same step as signing a note): an
    # addendum is signed as it is added, so it is never added without it.
    confirm = forms.BooleanField(
        required=True,
        widget=forms.HiddenInput,
        error_messages={
            "required": "Confirm that the addendum is complete: it is signed as it is added, "
            "and cannot be changed afterwards."
        },
    )


class ProcessNoteForm(forms.Form):
    text = forms.CharField(
        label="Process note",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=100_000,
        validators=[validate_plain_text],
        help_text="Your private analysis of the session. Kept apart from the record: never in "
        "lists, search, summaries or exports unless you include it deliberately.",
    )


def draft_payload_from(data, fields) -> dict[str, str]:
    """Known form fields only, each clipped to a sane size; whatever else is posted is ignored."""
    ignored = {"draft_key", "version"}
    return {
        name: str(data.get(name, ""))[:DRAFT_VALUE_MAX_CHARS]
        for name in fields
        if name in data and name not in ignored
    }


class AutosaveForm(forms.Form):
    """An autosave post: which note the page edits (``client``, and ``session`` unless it is a
    new note), the page's autosave sequence number and the note version it was loaded from.
    Everything else posted is the session form as typed, kept as it is (``payload``).

    Numbers are read as ASCII digits within their column's range (``bounded_number``): a larger
    one would be a server error, and int() reads other scripts' digits, which no page posts.
    """

    # Read as posted (strip=False): " 3" or a blank session id comes from no page of ours.
    client = forms.CharField(required=False, strip=False)
    session = forms.CharField(required=False, strip=False)
    seq = forms.CharField(required=False, strip=False)
    base_version = forms.CharField(required=False, strip=False)

    NOT_FOUND = (404, "not_found", "This note is not one of yours.")
    SIGNED = (409, "signed", "This note has been signed; it can no longer change.")
    INVALID = (400, "invalid", "Autosave needs a positive sequence number.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_client(self) -> Client:
        try:
            pk = uuid.UUID(self.cleaned_data["client"])
            return Client.objects.for_therapist(self.user).get(pk=pk)
        except (ValueError, Client.DoesNotExist):
            raise forms.ValidationError(self.NOT_FOUND[2], code="not_found") from None

    def clean_seq(self) -> int:
        seq = bounded_number(self.cleaned_data["seq"], minimum=1, maximum=MAX_SEQ)
        if seq is None:
            raise forms.ValidationError(self.INVALID[2], code="invalid")
        return seq

    def clean_base_version(self) -> int:
        value = self.cleaned_data["base_version"] or "0"
        version = bounded_number(value, minimum=0, maximum=MAX_VERSION)
        if version is None:
            raise forms.ValidationError(self.INVALID[2], code="invalid")
        return version

    def clean(self):
        cleaned = super().clean()
        client, session_id = cleaned.get("client"), cleaned.get("session")
        cleaned["session"] = None
        if client is not None and session_id:
            try:
                sessions = TherapySession.objects.for_therapist(self.user)
                session = sessions.get(pk=uuid.UUID(session_id), client=client)
            except (ValueError, TherapySession.DoesNotExist):
                self.add_error("session", forms.ValidationError(self.NOT_FOUND[2], "not_found"))
                return cleaned
            if session.is_signed:
                self.add_error("session", forms.ValidationError(self.SIGNED[2], "signed"))
            cleaned["session"] = session
        return cleaned

    def refusal(self) -> tuple[int, str, str]:
        """(HTTP status, code, message) of the first thing wrong, the note's own first."""
        for name in ("client", "session"):
            for error in self.errors.as_data().get(name, ()):
                return self.SIGNED if error.code == "signed" else self.NOT_FOUND
        return self.INVALID

    def payload(self) -> dict[str, str]:
        names = SessionForm.autosaved_field_names(self.cleaned_data["client"])
        return draft_payload_from(self.data, names)


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
