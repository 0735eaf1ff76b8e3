"""The search page's filter form, and what it shows of the therapist's themes and clients,
kept per therapist in this process's memory (``choices``).

Each request reads two small things: the themes the therapist may filter by (id and name: theme
names are not client data and are stored in clear, ``themes.models.Theme``; there is no
``updated_at`` on a theme, so the rows themselves are the fingerprint, about 0.5 ms for 70
themes) and ONE aggregated query over the therapist's clients (their number and newest
``updated_at``). The theme ``<option>`` markup is written once per change of the themes, not on
every page; a client's code and decrypted name are read (with the integrity check of the rows
read) the first time a page shows them, and kept until the clients' fingerprint changes. Every
change to a client goes through ``save()`` (``updated_at``, ``auto_now``: a new client, a rename,
a discharge, ``clients.services``) or deletes it (the count; an erased client's name also leaves
this memory at once, ``post_delete``). A change made outside the app that keeps both is seen
when the names are next read (any client write, a restart, the therapist dropped from here),
as with ``themes/caseload_cache.py``.

Names are client data: held here, in the worker's memory only (never the database, a file or
Django's cache), for at most ``MAX_THERAPISTS`` therapists (the least recently asked for is
dropped first), and only for the clients a search page showed.
"""

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, Max
from django.db.models.signals import post_delete
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from clients.models import Client
from sessions.models import NoteFormat, NoteStatus, RiskLevel
from themes.models import Theme

from .services import SearchFilters

MAX_THERAPISTS = 64


@dataclass(frozen=True, slots=True)
class ClientLabel:
    """What a search page shows of a client: the code and the (decrypted) full name."""

    pk: uuid.UUID
    code: str
    full_name: str


@dataclass(slots=True)
class _Held:
    lock: threading.Lock = field(default_factory=threading.Lock)
    themes: tuple = ()  # ((id, name), ...) by name, as read: also the themes' fingerprint
    theme_options: tuple = ()  # (id, option markup, the same selected), one per theme
    clients_fingerprint: tuple | None = None
    clients: dict[uuid.UUID, ClientLabel] = field(default_factory=dict)


class Choices:
    """One therapist's themes and client labels, current as of this request."""

    def __init__(self, therapist, held: _Held, fingerprint: tuple) -> None:
        self.therapist, self._held, self._fingerprint = therapist, held, fingerprint
        self.themes = held.themes
        self._theme_options = held.theme_options

    def theme_options(self, selected: set[str]) -> SafeString:
        """The themes' ``<option>`` elements, those in ``selected`` (ids as text) selected."""
        # mark_safe: each piece was built by format_html, which escaped the theme's name.
        return mark_safe(  # noqa: S308
            "".join(
                chosen if value in selected else plain
                for value, plain, chosen in self._theme_options
            )
        )

    def clients(self, ids) -> dict[uuid.UUID, ClientLabel]:
        """{id: label} of those of ``ids`` that are the therapist's clients (others left out)."""
        held = self._held
        with held.lock:
            current = held.clients_fingerprint == self._fingerprint
            labels = {pk: held.clients[pk] for pk in ids if current and pk in held.clients}
            missing = [pk for pk in ids if pk not in labels]
            if missing:
                found = {
                    client.pk: ClientLabel(client.pk, client.code, client.full_name)
                    for client in Client.objects.for_therapist(self.therapist).filter(
                        pk__in=missing
                    )
                }
                labels.update(found)
                # Kept only if no newer fingerprint was seen since this request read its own
                # (what was read may predate that change); only the therapist's clients, so
                # posting other ids adds nothing here.
                if held.clients_fingerprint == self._fingerprint:
                    held.clients.update(found)
            return labels


class ChoicesCache:
    def __init__(self, max_therapists: int = MAX_THERAPISTS) -> None:
        self.max_therapists = max_therapists
        self._lock = threading.Lock()
        self._therapists: OrderedDict[int, _Held] = OrderedDict()

    def for_therapist(self, therapist) -> Choices:
        """Two queries: the themes, and the fingerprint of the clients."""
        themes = tuple(
            Theme.objects.available_to(therapist).order_by("name").values_list("pk", "name")
        )
        fingerprint = tuple(
            Client.objects.for_therapist(therapist)
            .aggregate(count=Count("pk"), newest=Max("updated_at"))
            .values()
        )
        held = self._entry(therapist.pk)
        with held.lock:
            if themes != held.themes:
                held.themes = themes
                held.theme_options = tuple(
                    (
                        str(pk),
                        format_html('<option value="{}">{}</option>', pk, name),
                        format_html('<option value="{}" selected>{}</option>', pk, name),
                    )
                    for pk, name in themes
                )
            if fingerprint != held.clients_fingerprint:
                held.clients_fingerprint = fingerprint
                held.clients = {}
            return Choices(therapist, held, fingerprint)

    def forget_client(self, therapist_id: int, client_id: uuid.UUID) -> None:
        with self._lock:
            held = self._therapists.get(therapist_id)
        if held is not None:
            with held.lock:
                held.clients.pop(client_id, None)

    def clients_held(self, therapist_id: int) -> set[uuid.UUID]:
        """The clients whose labels this process holds for the therapist."""
        with self._lock:
            held = self._therapists.get(therapist_id)
        if held is None:
            return set()
        with held.lock:
            return set(held.clients)

    def clear(self) -> None:
        with self._lock:
            self._therapists.clear()

    def _entry(self, therapist_id: int) -> _Held:
        with self._lock:
            held = self._therapists.pop(therapist_id, None) or _Held()
            self._therapists[therapist_id] = held  # the most recently asked for, last
            while len(self._therapists) > self.max_therapists:
                self._therapists.popitem(last=False)
            return held


choices = ChoicesCache()


def _client_deleted(sender, instance: Client, **kwargs) -> None:
    # An erased client's name leaves this process's memory at once, not at the next request.
    choices.forget_client(instance.therapist_id, instance.pk)


post_delete.connect(_client_deleted, sender=Client, dispatch_uid="search.forms.choices")


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
        # Two small queries (choices); the view reuses these for the result rows.
        self.choices = choices.for_therapist(user)
        self.theme_choices = self.choices.themes
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
            if name == "themes":  # written once per change of the themes (choices)
                inputs[name] = {
                    "options_html": self.choices.theme_options(current),
                    "invalid": name in errors,
                }
                continue
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
        if client_id and client_id not in self.choices.clients([client_id]):
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
