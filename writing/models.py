"""A therapist's aids to writing notes: whole-note templates and short snippets.

They are the therapist's own text, not records of a client: every value is encrypted (a
template's name or a snippet's trigger may describe care, e.g. ";si") and bound to the
therapist, but none is in the integrity ledger.
"""

import re
import uuid

from django.conf import settings
from django.db import models

from encryption.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from sessions.models import FORMAT_SECTIONS, SECTION_LABELS, NoteFormat

# ";" then 1 to 19 of a-z, 0-9 and "-": 2 to 20 characters in all.
TRIGGER_PATTERN = re.compile(r";[a-z0-9-]{1,19}")
TEMPLATE_TEXT_MAX_CHARS = 20_000
SNIPPET_TEXT_MAX_CHARS = 5_000
# The fields around the format's sections that a template may fill, with their labels.
TEMPLATE_EXTRA_FIELDS = {
    "mood_affect": "Mood / affect",
    "plan": "Plan / homework",
    "interventions": "Interventions",
}


class OwnedQuerySet(models.QuerySet):
    def for_therapist(self, user) -> "OwnedQuerySet":
        """The only way views reach templates and snippets: the signed-in therapist's own."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(therapist=user)


class NoteTemplate(models.Model):
    """A whole note to start from, in one format: its sections and the fields around them."""

    encryption_parents = ("therapist_id",)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_templates"
    )
    name = EncryptedCharField(max_length=80, blank=False)
    note_format = models.CharField(max_length=12, choices=NoteFormat, default=NoteFormat.SOAP)
    # {section key: text}, the sections of note_format only.
    sections = EncryptedJSONField(default=dict)
    mood_affect = EncryptedCharField(max_length=500)
    plan = EncryptedTextField(max_length=TEMPLATE_TEXT_MAX_CHARS)
    interventions = EncryptedTextField(max_length=5_000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Note template {self.pk}"

    def section_texts(self) -> list[tuple[str, str, str]]:
        """(key, label, text) of the format's sections, in the format's order."""
        sections = self.sections or {}
        return [
            (key, SECTION_LABELS[key], sections.get(key, ""))
            for key in FORMAT_SECTIONS[NoteFormat(self.note_format)]
        ]

    def filled_parts(self) -> list[tuple[str, str, str]]:
        """(key, label, text) of every part with text: mood, sections, plan, interventions."""
        parts = [("mood_affect", TEMPLATE_EXTRA_FIELDS["mood_affect"], self.mood_affect)]
        parts += self.section_texts()
        parts += [
            (key, TEMPLATE_EXTRA_FIELDS[key], getattr(self, key))
            for key in ("plan", "interventions")
        ]
        return [part for part in parts if part[2]]


class Snippet(models.Model):
    """A phrase typed with a short trigger (";mse"): the note form replaces the trigger with it."""

    encryption_parents = ("therapist_id",)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="snippets"
    )
    # Encrypted, so unique per therapist in writing.services (a therapist has few).
    trigger = EncryptedCharField(max_length=20, blank=False)
    text = EncryptedTextField(max_length=SNIPPET_TEXT_MAX_CHARS, blank=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Snippet {self.pk}"
