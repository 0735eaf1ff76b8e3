import datetime

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from .models import Client, ClientStatus

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

phone_validator = RegexValidator(
    r"^[0-9+()./\- ]{3,40}(\s*(ext\.?|x)\s*[0-9]{1,6})?$",
    "Enter a phone number using digits, spaces and + ( ) - . only.",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClientForm(forms.ModelForm):
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
        self.fields["date_of_birth"].widget = DateInput()

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


class ClientFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name or code")
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *ClientStatus.choices]
    )
