from django import forms
from django.utils import timezone
from django.utils.html import format_html

from clients.forms import DateInput
from encryption.validators import validate_plain_text

from . import passphrase as rules
from .pdf import SECTIONS, FullNotes, RiskHistory, SummaryOptions


class SessionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        status = "signed" if obj.is_signed else "draft"
        return f"{obj.date:%d %b %Y} · {obj.get_note_format_display()} · {status}"


class SummaryForm(forms.Form):
    date_from = forms.DateField(label="From", widget=DateInput())
    date_to = forms.DateField(label="To", widget=DateInput())
    purpose = forms.CharField(
        required=False,
        max_length=300,
        validators=[validate_plain_text],
        label="Prepared for / purpose (optional)",
        help_text="Printed on the cover, e.g. “Referral to Dr Rowe, community mental health "
        "team” or “Clinical supervision”.",
    )
    sections = forms.MultipleChoiceField(
        choices=list(SECTIONS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=list(SECTIONS),
    )
    risk_history = forms.ChoiceField(
        required=False,  # an older page without the choice: as before, changes only
        choices=RiskHistory.CHOICES,
        initial=RiskHistory.CHANGES,
        widget=forms.RadioSelect,
        label="Risk history",
        help_text="Full notes carry each session's risk assessment as well.",
    )
    full_notes = forms.ChoiceField(
        choices=FullNotes.CHOICES,
        initial=FullNotes.ALL,
        widget=forms.RadioSelect,
        label="Full session notes (with their addenda)",
    )
    picked = SessionChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Sessions to include in full",
    )
    include_process_notes = forms.BooleanField(
        required=False,
        label="Include process notes",
        help_text="Psychotherapy notes are left out of summaries unless you include them "
        "deliberately, with a reason.",
    )
    process_notes_reason = forms.CharField(
        required=False,
        max_length=2_000,
        validators=[validate_plain_text],
        label="Reason for including process notes",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    de_identified = forms.BooleanField(
        required=False,
        label="De-identified",
        help_text="The client's names become the client code, and the people listed on the "
        "client's record (Edit client, “People named in the notes”) become their role, "
        "“[partner]”, everywhere in the summary, notes included. Date of birth and contact "
        "details are left out.",
    )
    passphrase = forms.CharField(
        required=False,
        strip=False,
        label="Passphrase (optional)",
        # Escaped here: crispy renders help text as HTML, and the marks include < and &.
        help_text=format_html(
            "Encrypts the PDF (AES-256), e.g. before e-mailing it; send the passphrase by "
            "another channel. {} to {} characters: letters A to Z without accents, digits, "
            "spaces and the marks <code>{}</code>, which every PDF reader takes the same way. "
            "Spaces count, at the start and end too.",
            rules.MIN_LENGTH,
            rules.MAX_LENGTH,
            rules.PUNCTUATION,
        ),
        # No maxlength: a browser would cut a longer pasted passphrase without a word, and the
        # file would be encrypted with a passphrase its sender does not know.
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    passphrase_confirm = forms.CharField(
        required=False,
        strip=False,
        label="Passphrase again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["picked"].queryset = client.sessions.order_by("date", "start_time").only(
            "id", "date", "start_time", "status", "note_format", "client_id"
        )
        self.fields["date_from"].initial = client.intake_date
        self.fields["date_to"].initial = client.discharge_date or timezone.localdate()
        listed = len(client.other_names or ())
        people = "no one" if not listed else f"{listed} {'person' if listed == 1 else 'people'}"
        self.fields["de_identified"].help_text += f" Listed for {client.code}: {people}."

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period cannot be before its start.")
        if cleaned.get("full_notes") == FullNotes.PICKED and not cleaned.get("picked"):
            self.add_error("picked", "Pick the sessions whose notes to include.")
        if not cleaned.get("sections") and cleaned.get("full_notes") == FullNotes.NONE:
            self.add_error("sections", "Choose at least one section or some full notes.")
        if cleaned.get("include_process_notes"):
            if not (cleaned.get("process_notes_reason") or "").strip():
                self.add_error("process_notes_reason", "Say why the process notes are included.")
            if cleaned.get("full_notes") == FullNotes.NONE:
                self.add_error(
                    "include_process_notes", "Process notes are printed under full notes only."
                )
        passphrase = cleaned.get("passphrase") or ""
        problems = rules.passphrase_problems(passphrase) if passphrase else []
        if problems:
            self.add_error("passphrase", problems)
        elif passphrase != (cleaned.get("passphrase_confirm") or ""):
            self.add_error("passphrase_confirm", "The two passphrases differ.")
        return cleaned

    def options(self, page_size) -> SummaryOptions:
        data = self.cleaned_data
        include = data["include_process_notes"]
        return SummaryOptions(
            sections=frozenset(data["sections"]),
            full_notes=data["full_notes"],
            picked=frozenset(session.pk for session in data["picked"]),
            include_process_notes=include,
            process_notes_reason=data["process_notes_reason"].strip() if include else "",
            date_from=data["date_from"],
            date_to=data["date_to"],
            page_size=page_size,
            passphrase=data["passphrase"],
            risk_history=data["risk_history"] or RiskHistory.CHANGES,
            de_identified=data["de_identified"],
            purpose=" ".join(data["purpose"].split()),
        )


class ExportForm(forms.Form):
    include_process_notes = forms.BooleanField(
        required=False,
        label="Include process notes",
        help_text="Psychotherapy notes are left out of exports unless you include them "
        "deliberately.",
    )
    reason = forms.CharField(
        required=False,
        max_length=2_000,
        validators=[validate_plain_text],
        label="Reason for including process notes",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("include_process_notes") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why the process notes are included in this export.")
        return cleaned
