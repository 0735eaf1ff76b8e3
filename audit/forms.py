import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from .models import Action

# Bounds keep local midnight convertible to UTC (no OverflowError at date.min or date.max).
_EARLIEST = datetime.date(1970, 1, 1)
_LATEST = datetime.date(9998, 12, 31)
_DATE_VALIDATORS = [MinValueValidator(_EARLIEST), MaxValueValidator(_LATEST)]


def normalise_client_code(text: str) -> str | None:
    """A typed client code in standard form: "c-7", "7" and "C-0007" give "C-0007"; else None."""
    digits = text.strip().upper().removeprefix("C-").removeprefix("C")
    # isdecimal and isascii: int() accepts other scripts' digits, which no code contains.
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 9:
        return None
    return f"C-{int(digits):04d}"


class AuditFilterForm(forms.Form):
    client = forms.CharField(required=False, max_length=20, label="Client code")
    action = forms.ChoiceField(
        required=False, choices=[("", "All actions"), *Action.choices], label="Action"
    )
    date_from = forms.DateField(required=False, validators=_DATE_VALIDATORS, label="From")
    date_to = forms.DateField(required=False, validators=_DATE_VALIDATORS, label="To")

    def clean_client(self) -> str:
        text = self.cleaned_data["client"]
        if not text.strip():
            return ""
        code = normalise_client_code(text)
        if code is None:
            raise forms.ValidationError("Enter a client code such as C-0007 (not a name).")
        return code

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The “from” date is after the “to” date.")
        return cleaned

    def error_lines(self) -> list[str]:
        """Every error as one line, prefixed with its field's label."""
        lines = []
        for name, errors in self.errors.items():
            prefix = f"{self.fields[name].label}: " if name in self.fields else ""
            lines.extend(prefix + str(error) for error in errors)
        return lines
