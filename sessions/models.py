import datetime
import hashlib
import hmac
import json
import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, Modality
from audit.keys import record_seal_key
from clients.models import Client
from encryption.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from integrity.records import SealedQuerySet, SealedRecord

from .links import ThemeLink, read_links, stored_links

MAX_DURATION_MINUTES = 600


class SignedNoteError(Exception):
    """A signed note was about to be changed. Corrections are addenda."""


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class SessionType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    COUPLE = "couple", "Couple"
    FAMILY = "family", "Family"
    GROUP = "group", "Group"


class NoteFormat(models.TextChoices):
    SOAP = "soap", "SOAP"
    DAP = "dap", "DAP"
    BIRP = "birp", "BIRP"
    GIRP = "girp", "GIRP"
    NARRATIVE = "narrative", "Free narrative"


class RiskLevel(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


# Each format's sections, in order. Sections with the same key are the same text, so switching
# format keeps them. Every format ends with the session's "Plan / homework" field.
SECTION_LABELS = {
    "subjective": "Subjective",
    "objective": "Objective",
    "data": "Data",
    "behaviour": "Behaviour",
    "goal": "Goal",
    "intervention": "Intervention",
    "response": "Response",
    "assessment": "Assessment",
    "narrative": "Session narrative",
}
SECTION_HELP = {
    "subjective": "What the client reported: their words, concerns, mood as they describe it.",
    "objective": "What you observed: presentation, affect, behaviour in the room.",
    "data": "What was said and observed in the session.",
    "behaviour": "The client's presentation and behaviour this session.",
    "goal": "The treatment-plan goal this session worked on.",
    "intervention": "What you did: techniques, focus, stance.",
    "response": "How the client responded to the interventions.",
    "assessment": "Your clinical formulation of today's material and progress.",
    "narrative": "A free account of the session.",
}
FORMAT_SECTIONS = {
    NoteFormat.SOAP: ["subjective", "objective", "assessment"],
    NoteFormat.DAP: ["data", "assessment"],
    NoteFormat.BIRP: ["behaviour", "intervention", "response"],
    NoteFormat.GIRP: ["goal", "intervention", "response"],
    NoteFormat.NARRATIVE: ["narrative"],
}
ALL_SECTIONS = list(SECTION_LABELS)


class TextPart(NamedTuple):
    key: str  # "mood_affect", a section key, "plan", "interventions" or "risk_notes"
    label: str
    text: str


# The free-text fields around the format's sections, in the order they follow them.
LEADING_PARTS = {"mood_affect": "Mood / affect"}
TRAILING_PARTS = {
    "plan": "Plan / homework",
    "interventions": "Interventions",
    "risk_notes": "Risk notes",
}


def text_parts(
    values, note_format: str, *, with_plan: bool = True, sections=None
) -> list[TextPart]:
    """The parts of a note held in ``values`` (a session's attributes, a row, or a form's
    values; ``note`` is the {section: text} dict), in their one order. ``sections``: the
    section keys to read, by default those of ``note_format``."""
    note = values.get("note") or {}
    keys = FORMAT_SECTIONS[NoteFormat(note_format)] if sections is None else sections
    parts = [TextPart(key, label, values.get(key) or "") for key, label in LEADING_PARTS.items()]
    parts += [TextPart(key, SECTION_LABELS[key], note.get(key) or "") for key in keys]
    parts += [
        TextPart(key, label, values.get(key) or "")
        for key, label in TRAILING_PARTS.items()
        if with_plan or key != "plan"
    ]
    return parts


def join_parts(parts: list[TextPart]) -> str:
    return "\n\n".join(part.text for part in parts if isinstance(part.text, str) and part.text)


class TherapySessionQuerySet(SealedQuerySet):
    def for_therapist(self, user) -> "TherapySessionQuerySet":
        """The only way views reach sessions: those of the signed-in therapist's clients."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(client__therapist=user)

    def drafts(self) -> "TherapySessionQuerySet":
        return self.filter(status=NoteStatus.DRAFT)

    def update(self, **kwargs):
        # A database trigger refuses this too; checking here gives a clear Python error first.
        if self.filter(status=NoteStatus.SIGNED).exists():
            raise SignedNoteError("Signed session notes cannot be changed; add an addendum.")
        return super().update(**kwargs)


class TherapySession(SealedRecord, models.Model):
    """One appointment and its progress note. Content is encrypted; scheduling facts are not."""

    # Values are bound to the client; every write is in the integrity ledger, with the status,
    # so that a note unsigned outside the application is named as such.
    encryption_parents = ("client_id",)
    integrity_parent = "client_id"
    integrity_state = "status"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(default=timezone.localdate)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    session_type = models.CharField(
        max_length=12, choices=SessionType, default=SessionType.INDIVIDUAL
    )
    modality = models.CharField(max_length=12, choices=Modality, default=Modality.IN_PERSON)
    note_format = models.CharField(max_length=12, choices=NoteFormat, default=NoteFormat.SOAP)
    next_appointment = models.DateTimeField(null=True, blank=True)
    # The appointment this note records (one note per appointment; a note logged without one
    # has none). RESTRICT: an appointment with a note is never deleted, except with the whole
    # record of its client. Not part of the signed content: it is the schedule's link.
    appointment = models.ForeignKey(
        Appointment, on_delete=models.RESTRICT, null=True, blank=True, related_name="notes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(max_length=8, choices=NoteStatus, default=NoteStatus.DRAFT)
    # Optimistic locking: every write checks and bumps this in the same UPDATE statement.
    version = models.PositiveIntegerField(default=1)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # HMAC-SHA256 seal of the signed content (see content_digest); rechecked on every view.
    content_hash = models.CharField(max_length=64, blank=True)

    # {section key: text}, only the sections of note_format.
    note = EncryptedJSONField(default=dict)
    mood_affect = EncryptedCharField(max_length=500, verbose_name="mood / affect")
    risk_level = EncryptedCharField(choices=RiskLevel, default=RiskLevel.NONE, blank=False)
    risk_notes = EncryptedTextField(max_length=20_000)
    interventions = EncryptedTextField(max_length=5_000, verbose_name="interventions used")
    plan = EncryptedTextField(max_length=20_000, verbose_name="plan / homework")
    # [{"theme": Theme id, "intensity": 1-3}], encrypted: which themes a client works on is
    # clinical content, and a plaintext link table would be a frequency oracle.
    themes = EncryptedJSONField(default=list)
    # [Theme id, ...] of the suggestions dismissed on this note, so that they are not offered
    # again. Not part of the signed content: it is how the form behaves, not what was recorded.
    dismissed_themes = EncryptedJSONField(default=list)

    objects = TherapySessionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time"]
        indexes = [
            models.Index(fields=["client", "date"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1)
                & models.Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="session_duration_in_range",
            ),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(appointment__isnull=False),
                name="one_note_per_appointment",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    models.Q(signed_at__isnull=False)
                    & models.Q(signed_by__isnull=False)
                    & ~models.Q(content_hash="")
                ),
                name="session_signed_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client.code} {self.date.isoformat()}"

    def save(self, *args, **kwargs):
        # Integrity guard, not business logic: a signed row is never written again (the
        # database trigger enforces the same for every other path).
        if not self._state.adding and (
            TherapySession.objects.filter(pk=self.pk, status=NoteStatus.SIGNED).exists()
        ):
            raise SignedNoteError("Signed session notes cannot be changed; add an addendum.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("session_detail", args=[self.pk])

    def sections(self) -> list[tuple[str, str]]:
        """(label, text) of this note's format sections, in the format's order."""
        note = self.note or {}
        return [
            (SECTION_LABELS[key], note.get(key, ""))
            for key in FORMAT_SECTIONS[NoteFormat(self.note_format)]
        ]

    def theme_links(self) -> list[ThemeLink]:
        return read_links(self.themes)

    def set_theme_links(self, links) -> None:
        self.themes = stored_links(links)

    def theme_intensities(self) -> dict[int, int]:
        return {link.theme_id: link.intensity for link in self.theme_links()}

    def text_parts(self, *, with_plan: bool = True) -> list[TextPart]:
        """The note's free text, part by part, in the order the page shows it: the one order
        the form, the theme suggestions, the search index and the case summary read it in."""
        names = ("note", *LEADING_PARTS, *TRAILING_PARTS)
        # getattr, not vars(): encrypted fields decrypt when read through their descriptor.
        values = {name: getattr(self, name) for name in names}
        return text_parts(values, self.note_format, with_plan=with_plan)

    def full_text(self, *, with_plan: bool = True) -> str:
        """All the free text of the note (``with_plan=False``: all but the plan, which theme
        suggestions read apart)."""
        return join_parts(self.text_parts(with_plan=with_plan))

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED

    def content_digest(self) -> str:
        """The keyed seal over everything the signature covers, in a canonical JSON form."""
        content = {
            "id": str(self.pk),
            "client": str(self.client_id),
            "date": self.date.isoformat(),
            "start_time": self.start_time.isoformat(),
            "duration_minutes": self.duration_minutes,
            "session_type": self.session_type,
            "modality": self.modality,
            "note_format": self.note_format,
            # In UTC, as the database returns it: a local time (seeding, imports) would give
            # another string for the same instant, and the seal would fail once read back.
            "next_appointment": self.next_appointment.astimezone(datetime.UTC).isoformat()
            if self.next_appointment
            else None,
            "note": self.note,
            "mood_affect": self.mood_affect,
            "risk_level": self.risk_level,
            "risk_notes": self.risk_notes,
            "interventions": self.interventions,
            "plan": self.plan,
            "themes": self.themes,
        }
        return _digest(content)

    def integrity_ok(self) -> bool:
        return not self.is_signed or self.content_digest() == self.content_hash

    def apply_signature(self, signer, signed_at) -> None:
        """Mark an unsaved session as signed (imports and seeding; views use services)."""
        self.status = NoteStatus.SIGNED
        self.signed_by = signer
        self.signed_at = signed_at
        self.content_hash = self.content_digest()


def _digest(content: dict) -> str:
    """HMAC-SHA256 of the canonical JSON. Keyed, because a plain hash of a short note ("did not
    attend") would let anyone holding the database confirm a guess of its text."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(record_seal_key(), canonical.encode(), hashlib.sha256).hexdigest()


class Addendum(SealedRecord, models.Model):
    """A correction or later addition to a signed note: appended, dated and signed, immutable."""

    encryption_parents = ("session_id",)
    integrity_parent = "session_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(TherapySession, on_delete=models.CASCADE, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)
    text = EncryptedTextField(max_length=100_000, blank=False)

    objects = SealedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Addendum {self.created_at:%Y-%m-%d %H:%M}"

    def content_digest(self) -> str:
        return _digest(
            {
                "id": str(self.pk),
                "session": str(self.session_id),
                "author": self.author_id,
                "created_at": self.created_at.isoformat(),
                "text": self.text,
            }
        )

    def integrity_ok(self) -> bool:
        return self.content_digest() == self.content_hash


class ProcessNote(SealedRecord, models.Model):
    """The therapist's private psychotherapy (process) note for a session.

    Kept apart from the progress note (its own table and encryption label): never shown in
    lists, search results, summaries or exports unless explicitly requested.
    """

    encryption_parents = ("session_id",)
    integrity_parent = "session_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.OneToOneField(
        TherapySession, on_delete=models.CASCADE, related_name="process_note"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    text = EncryptedTextField(max_length=100_000)

    objects = SealedQuerySet.as_manager()

    def __str__(self) -> str:
        return "Process note"


class SessionDraftQuerySet(models.QuerySet):
    def for_therapist(self, user) -> "SessionDraftQuerySet":
        """A therapist's own autosaves of their own clients' notes."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(author=user, client__therapist=user)


class SessionDraft(models.Model):
    """The autosaved state of a session form, exactly as typed (valid or not).

    One row per editing page (its id is the page's draft key). ``seq`` only grows: an
    autosave whose seq is not above the stored one is stale and changes nothing.
    """

    # Bound to its author, client and session; not in the integrity ledger: it is the form's
    # autosave buffer, written every few seconds, and what it holds is shown in the form.
    encryption_parents = ("author_id", "client_id", "session_id")

    id = models.UUIDField(primary_key=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="drafts")
    session = models.ForeignKey(
        TherapySession, on_delete=models.CASCADE, null=True, blank=True, related_name="drafts"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    base_version = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(default=timezone.now)
    payload = EncryptedJSONField(default=dict)

    objects = SessionDraftQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["author", "client", "session", "saved_at"])]

    def __str__(self) -> str:
        return f"Draft {self.saved_at:%Y-%m-%d %H:%M}"
