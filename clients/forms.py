import datetime
import re
import unicodedata

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from accounts.names import is_visible, validate_visible_name
from encryption.validators import validate_plain_text

from .models import Client, ClientStatus, fold_text

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

phone_validator = RegexValidator(
    r"^[0-9+()./\- ]{3,40}(\s*(ext\.?|x)\s*[0-9]{1,6})?$",
    "Enter a phone number using digits, spaces and + ( ) - . only.",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


MAX_OTHER_NAMES = 50
OTHER_NAME_LENGTH = 100
ROLE_LENGTH = 40
# Alone, these parts of a name identify nobody (and are words of their own in many languages):
# never matched on their own, in a role or in a de-identified summary (summaries/deidentify.py).
NAME_PARTICLES = frozenset({
    "al", "bin", "da", "das", "de", "del", "della", "der", "di", "do", "dos", "du", "el", "ibn",
    "la", "le", "st", "ten", "ter", "van", "von", "zu",
    # a couple's or a family's name: "Priya Raman and Jordan Ellis"
    "and", "&", "und", "y", "e", "et", "en", "og", "och", "or", "with",
    "mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir",
})  # fmt: skip
# A name (or part of one) this long is found at the start of a longer word too ("Haddadová").
NAME_PREFIX_LETTERS = 6


def _words(text: str) -> list[str]:
    """The words of a text as names are matched: case, accents and invisible characters
    (soft hyphens, zero-width spaces) ignored; anything but a letter or digit cuts."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(c for c in folded if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    return re.findall(r"[^\W_]+", kept)


def _names_word(word: str, part: str) -> bool:
    return word in (part, f"{part}s", f"{part}es") or (
        len(part) >= NAME_PREFIX_LETTERS and word.startswith(part)
    )


def names_in(text: str, names) -> list[str]:
    """Those of ``names`` that ``text`` writes, as the de-identified summary finds them: the
    whole name, or a part of it that is not an initial or a particle."""
    words, found = _words(text), []
    for name in names:
        name_words = _words(name)
        whole = " ".join(name_words)
        parts = [w for w in name_words if len(w) > 1 and w not in NAME_PARTICLES]
        if len(name_words) == 1:
            parts = name_words
        if (whole and f" {whole} " in f" {' '.join(words)} ") or any(
            _names_word(word, part) for part in parts for word in words
        ):
            found.append(name)
    return found


def format_other_names(entries) -> str:
    return "\n".join(f"{entry['name']} = {entry['role']}" for entry in entries or ())


def parse_other_names(value: str) -> list[dict[str, str]]:
    """[{"name": ..., "role": ...}] from lines of "Name = role"; ValidationError naming each
    line that is not one."""
    entries, errors, seen = [], [], set()
    for number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, role = line.partition("=")
        name, role = " ".join(name.split()), " ".join(role.split())
        where = f"Line {number} (“{line.strip()}”)"
        if not equals or not name or not role or "=" in role:
            errors.append(f"{where}: write one person a line, as Name = role, e.g. Mark = partner.")
        elif sum(is_visible(character) for character in name) < 2:
            errors.append(f"{where}: a name needs at least two letters.")
        elif len(name) > OTHER_NAME_LENGTH or len(role) > ROLE_LENGTH:
            errors.append(
                f"{where}: at most {OTHER_NAME_LENGTH} characters for a name and {ROLE_LENGTH} "
                "for a role."
            )
        elif "[" in role or "]" in role:
            errors.append(f"{where}: leave out the brackets; the summary adds them to the role.")
        elif fold_text(name) in seen:
            errors.append(f"{where}: {name} is listed already.")
        else:
            seen.add(fold_text(name))
            entries.append({"name": name, "role": role})
    if len(entries) > MAX_OTHER_NAMES:
        errors.append(f"List at most {MAX_OTHER_NAMES} people.")
    if errors:
        raise forms.ValidationError(errors)
    return entries


class ClientForm(forms.ModelForm):
    # Client.other_names, edited as text: one "Name = role" a line.
    other_names = forms.CharField(
        required=False,
        max_length=10_000,
        validators=[validate_plain_text],
        label="People named in the notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line, as Name = role: “Mark = partner”, “Jean = mother”. A "
        "de-identified case summary prints the role, “[partner]”, wherever the name is written.",
    )

    class Meta:
        model = Client
        fields = [
            "full_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "phone",
            "email",
            "address",
            "emergency_contact",
            "referral_source",
            "status",
            "intake_date",
            "discharge_date",
            "presenting_concerns",
            "general_notes",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "intake_date": DateInput(),
            "discharge_date": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
            "emergency_contact": forms.Textarea(attrs={"rows": 2}),
            "presenting_concerns": forms.Textarea(attrs={"rows": 4}),
            "general_notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "preferred_name": "The name the client likes to be called, if different.",
            "emergency_contact": "Name, relationship and phone number.",
            "presenting_concerns": "What brought the client to therapy, in your words.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(phone_validator)
        for name in ("full_name", "preferred_name"):
            self.fields[name].validators.append(validate_visible_name)
        self.fields["date_of_birth"].widget = DateInput()
        if not self.is_bound:
            self.initial["other_names"] = format_other_names(self.instance.other_names)

    def clean_other_names(self) -> list[dict[str, str]]:
        return parse_other_names(self.cleaned_data["other_names"])

    def _check_roles(self, cleaned: dict) -> None:
        """A role is printed in place of a name in the de-identified summary: it must not name
        the client or anyone listed ("Noor's mother")."""
        entries = cleaned.get("other_names") or []
        names = [cleaned.get("full_name"), cleaned.get("preferred_name")]
        names = [name for name in names if name] + [entry["name"] for entry in entries]
        errors = []
        for entry in entries:
            if found := names_in(entry["role"], names):
                errors.append(
                    f"“{entry['name']} = {entry['role']}”: the role names "
                    f"{', '.join(found)}. A de-identified summary prints the role where the "
                    "name was, so write it without a name, e.g. “mother”."
                )
        if errors:
            self.add_error("other_names", errors)

    def save(self, commit=True):
        self.instance.other_names = self.cleaned_data["other_names"]
        return super().save(commit)

    def clean_date_of_birth(self):
        birth_date = self.cleaned_data.get("date_of_birth")
        if birth_date is None:
            return None
        if birth_date > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if birth_date < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError("The date of birth must be after 1 January 1900.")
        return birth_date

    def clean(self):
        cleaned = super().clean()
        self._check_roles(cleaned)
        status = cleaned.get("status")
        intake = cleaned.get("intake_date")
        discharge = cleaned.get("discharge_date")
        if discharge and intake and discharge < intake:
            self.add_error("discharge_date", "The discharge date cannot be before the intake date.")
        if status == ClientStatus.DISCHARGED and not discharge and "discharge_date" in cleaned:
            self.add_error("discharge_date", "Give the date the client was discharged.")
        if status != ClientStatus.DISCHARGED and discharge:
            self.add_error("status", "A client with a discharge date must have status Discharged.")
        birth = cleaned.get("date_of_birth")
        if birth and intake and intake < birth:
            self.add_error("intake_date", "The intake date cannot be before the date of birth.")
        return cleaned


CURRENT = ""  # the default list: everyone still in care (active and waitlist)
ALL = "all"


class ClientFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name or code")
    status = forms.ChoiceField(
        required=False,
        choices=[
            (CURRENT, "Current (active and waitlist)"),
            *ClientStatus.choices,
            (ALL, "All, including discharged"),
        ],
    )


class DischargeForm(forms.Form):
    discharge_date = forms.DateField(widget=DateInput(), label="Discharge date")
    closing_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        validators=[validate_plain_text],
        help_text="Course of therapy, outcome, and any onward referral.",
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_discharge_date(self):
        value = self.cleaned_data["discharge_date"]
        if value < self.client.intake_date:
            raise forms.ValidationError(
                f"The discharge date cannot be before the intake date "
                f"({self.client.intake_date:%d %b %Y})."
            )
        if value > timezone.localdate():
            raise forms.ValidationError("The discharge date cannot be in the future.")
        return value


class EraseForm(forms.Form):
    confirm_code = forms.CharField(
        max_length=20,
        label="Type the client code to confirm",
        help_text="Erasure cannot be undone.",
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_confirm_code(self):
        typed = self.cleaned_data["confirm_code"].strip().upper()
        if typed != self.client.code:
            raise forms.ValidationError(
                f"That is not this client's code. Type {self.client.code} exactly to erase."
            )
        return typed
