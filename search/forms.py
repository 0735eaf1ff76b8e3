from django import forms

from clients.models import Client
from sessions.models import NoteFormat, NoteStatus, RiskLevel
from themes.models import Theme

from .services import SearchFilters


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search notes", strip=True)
    client = forms.UUIDField(required=False)
    themes = forms.TypedMultipleChoiceField(coerce=int, required=False)
    theme_mode = forms.ChoiceField(
        choices=[("any", "Any of these themes"), ("all", "All of these themes")],
        required=False,
        label="Match",
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    note_format = forms.ChoiceField(
        choices=[("", "Any format"), *NoteFormat.choices], required=False, label="Format"
    )
    risk_level = forms.ChoiceField(
        choices=[("", "Any risk level"), *RiskLevel.choices], required=False, label="Risk"
    )
    status = forms.ChoiceField(
        choices=[("", "Signed or draft"), *NoteStatus.choices], required=False
    )
    include_process_notes = forms.BooleanField(required=False, label="Also search process notes")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for bound in self.fields.values():
            css = {"CheckboxInput": "form-check-input", "Select": "form-select"}
            bound.widget.attrs.setdefault(
                "class", css.get(type(bound.widget).__name__, "form-control")
            )
        # One query; the view reuses these names for the result badges.
        self.theme_choices = list(
            Theme.objects.available_to(user).order_by("name").values_list("pk", "name")
        )
        self.fields["themes"].choices = self.theme_choices

    def inputs(self) -> dict[str, dict]:
        """What the template needs to write the filter inputs as plain HTML.

        Rendering the seven widgets through Django's widget templates cost about 8 ms a page,
        more than the search itself; the markup written by search.html is the same.
        """
        errors = self.errors if self.is_bound else {}
        inputs = {}
        for name in ("themes", "theme_mode", "note_format", "risk_level", "status"):
            raw = self[name].value()
            raw = raw if isinstance(raw, list | tuple) else [raw]
            current = {"" if value is None else str(value) for value in raw}
            inputs[name] = {
                "options": [
                    (value, label, str(value) in current)
                    for value, label in self.fields[name].choices
                ],
                "invalid": name in errors,
            }
        for name in ("date_from", "date_to"):
            value = self.fields[name].widget.format_value(self[name].value())
            inputs[name] = {"value": value, "invalid": name in errors}
        checkbox = self.fields["include_process_notes"].widget
        inputs["include_process_notes"] = {
            "checked": checkbox.check_test(self["include_process_notes"].value()),
            "invalid": "include_process_notes" in errors,
        }
        return inputs

    def submitted(self) -> list[tuple[str, str]]:
        """The posted values of the form's own fields, as (name, value) pairs: what the paging
        buttons post again, as hidden inputs, so that each page is the same search."""
        if not self.is_bound:
            return []
        return [(name, value) for name in self.fields for value in self.data.getlist(name)]

    def clean_client(self):
        client_id = self.cleaned_data["client"]
        if client_id and not Client.objects.for_therapist(self.user).filter(pk=client_id).exists():
            raise forms.ValidationError("That client is not one of yours.")
        return client_id

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            client_id=data["client"],
            theme_ids=data["themes"],
            all_themes=data["theme_mode"] == "all",
            date_from=data["date_from"],
            date_to=data["date_to"],
            note_format=data["note_format"],
            risk_level=data["risk_level"],
            status=data["status"],
            include_process_notes=data["include_process_notes"],
        )
