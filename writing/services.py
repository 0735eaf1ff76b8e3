"""The one door for every write to a therapist's templates and snippets (keyword-only
functions). Views and the demo seed never save these models themselves."""

import tomllib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from sessions.models import FORMAT_SECTIONS, NoteFormat

from .models import TRIGGER_PATTERN, NoteTemplate, Snippet

STARTER_FILE = Path(__file__).resolve().parent / "data" / "starter.toml"


class TriggerTaken(ValueError):
    """The therapist already has a snippet with this trigger."""


def normalised_trigger(typed: str) -> str:
    """A trigger as stored: without surrounding spaces, in lower case."""
    return typed.strip().lower()


def is_valid_trigger(trigger: str) -> bool:
    return bool(TRIGGER_PATTERN.fullmatch(trigger))


def format_sections(note_format: str, sections: dict[str, str]) -> dict[str, str]:
    """The sections of ``note_format`` that hold text, in the format's order."""
    keys = FORMAT_SECTIONS[NoteFormat(note_format)]
    return {key: sections[key] for key in keys if sections.get(key)}


# --- templates ------------------------------------------------------------------------------


@transaction.atomic
def create_template(
    *,
    therapist,
    name: str,
    note_format: str,
    sections: dict[str, str],
    mood_affect: str = "",
    plan: str = "",
    interventions: str = "",
) -> NoteTemplate:
    template = NoteTemplate(therapist=therapist)
    _fill_template(template, name, note_format, sections, mood_affect, plan, interventions)
    template.save(force_insert=True)
    return template


@transaction.atomic
def update_template(
    *,
    template: NoteTemplate,
    name: str,
    note_format: str,
    sections: dict[str, str],
    mood_affect: str = "",
    plan: str = "",
    interventions: str = "",
) -> NoteTemplate:
    _fill_template(template, name, note_format, sections, mood_affect, plan, interventions)
    template.save()
    return template


def _fill_template(template, name, note_format, sections, mood_affect, plan, interventions):
    template.name = name
    template.note_format = NoteFormat(note_format)
    template.sections = format_sections(note_format, sections)
    template.mood_affect = mood_affect
    template.plan = plan
    template.interventions = interventions


@transaction.atomic
def delete_template(*, template: NoteTemplate) -> None:
    template.delete()


# --- snippets -------------------------------------------------------------------------------


def _lock_snippets_of(therapist) -> None:
    """Orders concurrent snippet writes of one therapist, so that two cannot take one trigger
    (PostgreSQL; on SQLite every transaction already holds the write lock from its start)."""
    list(get_user_model().objects.select_for_update().filter(pk=therapist.pk).values("pk"))


def _check_trigger_free(therapist, trigger: str, *, exclude=None) -> None:
    # Triggers are encrypted: compared here, in Python, over the therapist's few snippets.
    for snippet in Snippet.objects.for_therapist(therapist):
        if snippet.pk != exclude and snippet.trigger == trigger:
            raise TriggerTaken(f"You already have a snippet typed as {trigger}.")


@transaction.atomic
def create_snippet(*, therapist, trigger: str, text: str) -> Snippet:
    """Raises TriggerTaken when the therapist has a snippet with this trigger already."""
    trigger = normalised_trigger(trigger)
    if not is_valid_trigger(trigger):
        raise ValueError("A trigger is ; then 1 to 19 of a-z, 0-9 and -.")
    _lock_snippets_of(therapist)
    _check_trigger_free(therapist, trigger)
    snippet = Snippet(therapist=therapist, trigger=trigger, text=text)
    snippet.save(force_insert=True)
    return snippet


@transaction.atomic
def update_snippet(*, snippet: Snippet, trigger: str, text: str) -> Snippet:
    """Raises TriggerTaken when another of the therapist's snippets has this trigger."""
    trigger = normalised_trigger(trigger)
    if not is_valid_trigger(trigger):
        raise ValueError("A trigger is ; then 1 to 19 of a-z, 0-9 and -.")
    _lock_snippets_of(snippet.therapist)
    _check_trigger_free(snippet.therapist, trigger, exclude=snippet.pk)
    snippet.trigger = trigger
    snippet.text = text
    snippet.save()
    return snippet


@transaction.atomic
def delete_snippet(*, snippet: Snippet) -> None:
    snippet.delete()


# --- starters -------------------------------------------------------------------------------


def starter_aids(path: Path = STARTER_FILE) -> dict:
    """The starter snippets and templates ({"snippet": [...], "template": [...]})."""
    with path.open("rb") as file:
        return tomllib.load(file)


@transaction.atomic
def install_starters(therapist, *, path: Path = STARTER_FILE) -> int:
    """Give ``therapist`` the starter snippets and templates they do not have yet (by trigger,
    by name): running it again adds nothing. Returns how many were added."""
    starters = starter_aids(path)
    _lock_snippets_of(therapist)
    triggers = {s.trigger for s in Snippet.objects.for_therapist(therapist)}
    names = {t.name for t in NoteTemplate.objects.for_therapist(therapist)}
    added = 0
    for entry in starters.get("snippet", []):
        if entry["trigger"] not in triggers:
            create_snippet(therapist=therapist, trigger=entry["trigger"], text=entry["text"])
            added += 1
    for entry in starters.get("template", []):
        if entry["name"] not in names:
            create_template(
                therapist=therapist,
                name=entry["name"],
                note_format=entry["note_format"],
                sections=entry.get("sections", {}),
                mood_affect=entry.get("mood_affect", ""),
                plan=entry.get("plan", ""),
                interventions=entry.get("interventions", ""),
            )
            added += 1
    return added
