import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from encryption.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField

MAX_DURATION_MINUTES = 600


class SessionType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    COUPLE = "couple", "Couple"
    FAMILY = "family", "Family"
    GROUP = "group", "Group"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


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


class TherapySessionQuerySet(models.QuerySet):
    def for_therapist(self, user) -> "TherapySessionQuerySet":
        """The only way views reach sessions: those of the signed-in therapist's clients."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(client__therapist=user)


class TherapySession(models.Model):
    """One appointment and its progress note. Content is encrypted; scheduling facts are not."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(default=timezone.localdate)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    session_type = models.CharField(
        max_length=12, choices=SessionType.choices, default=SessionType.INDIVIDUAL
    )
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.IN_PERSON)
    note_format = models.CharField(
        max_length=12, choices=NoteFormat.choices, default=NoteFormat.SOAP
    )
    next_appointment = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # {section key: text}, only the sections of note_format.
    note = EncryptedJSONField(default=dict)
    mood_affect = EncryptedCharField(max_length=500, verbose_name="mood / affect")
    risk_level = EncryptedCharField(choices=RiskLevel.choices, default=RiskLevel.NONE, blank=False)
    risk_notes = EncryptedTextField(max_length=20_000)
    interventions = EncryptedTextField(max_length=5_000, verbose_name="interventions used")
    plan = EncryptedTextField(max_length=20_000, verbose_name="plan / homework")
    # [{"theme": Theme id, "intensity": 1-3}], encrypted: which themes a client works on is
    # clinical content, and a plaintext link table would be a frequency oracle.
    themes = EncryptedJSONField(default=list)

    objects = TherapySessionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time"]
        indexes = [models.Index(fields=["client", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1)
                & models.Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="session_duration_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client.code} {self.date.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("session_detail", args=[self.pk])

    def sections(self) -> list[tuple[str, str]]:
        """(label, text) of this note's format sections, in the format's order."""
        note = self.note or {}
        return [
            (SECTION_LABELS[key], note.get(key, ""))
            for key in FORMAT_SECTIONS[NoteFormat(self.note_format)]
        ]

    def theme_intensities(self) -> dict[int, int]:
        return {int(link["theme"]): int(link["intensity"]) for link in self.themes or []}
