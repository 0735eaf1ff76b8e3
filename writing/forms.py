from django import forms

from encryption.validators import validate_plain_text
from sessions.models import ALL_SECTIONS, FORMAT_SECTIONS, SECTION_LABELS, NoteFormat

from .models import (
    SNIPPET_TEXT_MAX_CHARS,
    TEMPLATE_EXTRA_FIELDS,
    TEMPLATE_TEXT_MAX_CHARS,
    NoteTemplate,
    Snippet,
)
from .services import is_valid_trigger, normalised_trigger

SECTION_FIELD_PREFIX = "section_"


def _text(label: str, max_length: int, *, rows: int = 4, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class NoteTemplateForm(forms.Form):
    """A template's name, format, and the text of each part it fills."""

    name = forms.CharField(
        max_length=80,
        validators=[validate_plain_text],
        help_text="Shown in the template list of the note form, e.g. “SOAP: first session”.",
        error_messages={"required": "Give the template a name."},
    )
    note_format = forms.ChoiceField(choices=NoteFormat.choices, label="Note format")
    mood_affect = forms.CharField(
        label=TEMPLATE_EXTRA_FIELDS["mood_affect"],
        required=False,
        max_length=500,
        validators=[validate_plain_text],
    )

    def __init__(self, data=None, *, therapist, template: NoteTemplate | None = None):
        initial = {}
        if template is not None:
            initial = {
                "name": template.name,
                "note_format": template.note_format,
                "mood_affect": template.mood_affect,
                "plan": template.plan,
                "interventions": template.interventions,
                **{SECTION_FIELD_PREFIX + k: v for k, v in (template.sections or {}).items()},
            }
        super().__init__(data, initial=initial)
        self.therapist = therapist
        self.template = template
        self.fields["mood_affect"].widget.attrs["autocomplete"] = "off"
        self.fields["note_format"].widget.attrs["data-note-format"] = ""
        for key in ALL_SECTIONS:
            self.fields[SECTION_FIELD_PREFIX + key] = _text(
                SECTION_LABELS[key], TEMPLATE_TEXT_MAX_CHARS, rows=5
            )
        self.fields["plan"] = _text(TEMPLATE_EXTRA_FIELDS["plan"], TEMPLATE_TEXT_MAX_CHARS)
        self.fields["interventions"] = _text(TEMPLATE_EXTRA_FIELDS["interventions"], 5_000)

    def section_rows(self) -> list[dict]:
        """Each section field with the formats that have it (the page shows only those of the
        chosen format; a section holding text stays shown)."""
        chosen = self["note_format"].value() or NoteFormat.SOAP
        rows = []
        for key in ALL_SECTIONS:
            field = self[SECTION_FIELD_PREFIX + key]
            formats = [f.value for f, keys in FORMAT_SECTIONS.items() if key in keys]
            in_format = chosen in formats
            rows.append(
                {
                    "field": field,
                    "formats": " ".join(formats),
                    "hidden": not in_format and not (field.value() or ""),
                }
            )
        return rows

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = NoteTemplate.objects.for_therapist(self.therapist)
        if self.template is not None:
            others = others.exclude(pk=self.template.pk)
        # Names are encrypted: compared here, in Python.
        if any(other.name.casefold() == name.casefold() for other in others):
            raise forms.ValidationError("You already have a template with this name.")
        return name

    def clean(self):
        cleaned = super().clean()
        note_format = cleaned.get("note_format")
        if note_format:
            keys = FORMAT_SECTIONS[NoteFormat(note_format)]
            label = NoteFormat(note_format).label
            for key in ALL_SECTIONS:
                name = SECTION_FIELD_PREFIX + key
                if key not in keys and cleaned.get(name):
                    self.add_error(
                        name,
                        f"{label} notes have no {SECTION_LABELS[key]} section. Move the text to "
                        "one of its sections, or choose another format.",
                    )
        parts = ["mood_affect", "plan", "interventions"]
        parts += [SECTION_FIELD_PREFIX + key for key in ALL_SECTIONS]
        if not self.errors and not any(cleaned.get(name) for name in parts):
            raise forms.ValidationError("Write the text of at least one part of the note.")
        return cleaned

    def sections(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[SECTION_FIELD_PREFIX + key]
            for key in ALL_SECTIONS
            if self.cleaned_data.get(SECTION_FIELD_PREFIX + key)
        }

    def values(self) -> dict:
        """The keyword arguments of writing.services.create_template / update_template."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "note_format": data["note_format"],
            "sections": self.sections(),
            "mood_affect": data["mood_affect"],
            "plan": data["plan"],
            "interventions": data["interventions"],
        }


class SnippetForm(forms.Form):
    trigger = forms.CharField(
        max_length=40,
        validators=[validate_plain_text],
        help_text="What you type on the note form, then a space, Tab or Enter: ; and up to 19 "
        "lower-case letters, digits or hyphens, e.g. ;mse.",
        error_messages={"required": "Choose a trigger, e.g. ;mse."},
    )
    text = forms.CharField(
        max_length=SNIPPET_TEXT_MAX_CHARS,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The text the trigger is replaced with.",
        error_messages={"required": "Write the text the trigger stands for."},
    )

    def __init__(self, data=None, *, snippet: Snippet | None = None):
        initial = {"trigger": snippet.trigger, "text": snippet.text} if snippet else {}
        super().__init__(data, initial=initial)
        self.fields["trigger"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        )

    def clean_trigger(self) -> str:
        trigger = normalised_trigger(self.cleaned_data["trigger"])
        if not trigger.startswith(";"):
            trigger = ";" + trigger
        if not is_valid_trigger(trigger):
            raise forms.ValidationError(
                "Use ; and then 1 to 19 lower-case letters, digits or hyphens, e.g. ;mse."
            )
        return trigger
