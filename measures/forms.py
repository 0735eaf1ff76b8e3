"""The measures' forms: a questionnaire's answers (entered by the therapist, or by the client in
hand-over mode or through a link), the measures due for a client, and the therapist's password
that ends hand-over mode."""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .catalogue import Measure
from .models import Frequency
from .scoring import validate_answers
from .services import EARLIEST_DAY, day_problem

ITEM_PREFIX = "item_"
NOT_DUE = ""
NOTHING_ANSWERED = "Answer at least one question."


def item_field_name(number: int) -> str:
    return f"{ITEM_PREFIX}{number}"


class AnswersForm(forms.Form):
    """One questionnaire: a group of radio buttons per item, none required (a partly answered
    questionnaire is scored as the measure's rules say: prorated, or incomplete), and when
    ``dated``, the day it was completed (today by default; never in the future, before 1900 or
    before the ``client``'s date of birth)."""

    def __init__(self, *args, measure: Measure, dated: bool = True, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.client = client
        choices = [(str(option.value), option.label) for option in measure.options]
        for item in measure.items:
            self.fields[item_field_name(item.number)] = forms.TypedChoiceField(
                label=item.text,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Choose one of the answers shown."},
            )
        if dated:
            # The page's one-time key (measures.services.record_administration): the same page
            # sent twice stores one questionnaire. Not required: a post without one is stored.
            self.fields["form_key"] = forms.CharField(
                required=False, widget=forms.HiddenInput, initial=lambda: str(uuid.uuid4())
            )
            self.fields["administered_on"] = forms.DateField(
                label="Completed on",
                initial=timezone.localdate,
                widget=forms.DateInput(
                    attrs={"type": "date", "min": EARLIEST_DAY.isoformat()}, format="%Y-%m-%d"
                ),
                error_messages={"required": "Give the day the questionnaire was completed."},
            )

    def clean_administered_on(self) -> datetime.date:
        day = self.cleaned_data["administered_on"]
        problem = day_problem(day, client=self.client)  # the service's rule, not a copy
        if problem:
            raise ValidationError(problem)
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        if any(name.startswith(ITEM_PREFIX) for name in self.errors):
            return cleaned
        answers = self.answers()
        if all(value is None for value in answers.values()):
            raise ValidationError(NOTHING_ANSWERED, code="nothing_answered")
        try:
            validate_answers(self.measure, answers)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return cleaned

    def form_key(self) -> uuid.UUID | None:
        """The one-time key sent with the form, if it is one (anything else: none)."""
        try:
            return uuid.UUID(self.cleaned_data.get("form_key") or "")
        except ValueError:
            return None

    def answers(self) -> dict[int, int | None]:
        """{item number: answer or None}, from the cleaned form."""
        return {
            item.number: self.cleaned_data.get(item_field_name(item.number))
            for item in self.measure.items
        }

    def items(self) -> list[tuple]:
        """(item, its bound field) in order, for the questionnaire's template."""
        return [(item, self[item_field_name(item.number)]) for item in self.measure.items]


class ScheduleForm(forms.Form):
    """Per measure: not due, every session, every 4 weeks, or at intake and discharge."""

    def __init__(self, *args, measures: dict[str, Measure], **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = measures
        choices = [(NOT_DUE, "Not due"), *Frequency.choices]
        for slug, measure in measures.items():
            self.fields[slug] = forms.ChoiceField(
                label=f"{measure.short_name}: {measure.name}",
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Choose one of the options shown."},
            )

    def due(self) -> dict[str, str]:
        """{slug: frequency} of the measures that are due."""
        return {
            slug: self.cleaned_data[slug]
            for slug in self.measures
            if self.cleaned_data.get(slug, NOT_DUE) != NOT_DUE
        }


class UnlockForm(forms.Form):
    password = forms.CharField(
        label="Therapist's password",
        strip=False,
        max_length=4096,
        # "new-password": browsers then do not fill in the saved password for the client.
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        error_messages={"required": "Type your password to take the device back."},
    )
