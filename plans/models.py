"""Treatment plans: a client's plan, its versions (draft, then signed and locked), and the
progress each session note records against it.

Everything that describes care is encrypted and bound to the client: a version's problems,
goals, objectives, interventions and review date, and a note's progress. Plain columns hold only
what the database needs to keep the rules: numbers, statuses, who signed and when, the content
seal, and the links between rows. A signed version, and the progress of a signed note, is locked
three times over: the services refuse, ``save`` and ``update`` here refuse, and database
triggers refuse (migration plans 0002; docs/plans.md).
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from clients.models import Client
from encryption.fields import EncryptedDateField, EncryptedJSONField
from integrity.records import SealedQuerySet, SealedRecord
from sessions.models import NoteStatus, TherapySession

from .content import empty_content, objectives_of
from .sealing import content_seal


class SignedPlanError(Exception):
    """A signed plan version was about to be changed. Changes go in a new version."""


class LockedProgressError(Exception):
    """The progress of a signed note was about to be changed. It is locked with the note."""


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class Rating(models.TextChoices):
    WORSE = "worse", "Worse"
    NO_CHANGE = "no_change", "No change"
    SOME_PROGRESS = "some_progress", "Some progress"
    ACHIEVED = "achieved", "Achieved"


class ClientRecordQuerySet(SealedQuerySet):
    def for_therapist(self, user):
        """The only way views reach plans and progress: those of the therapist's own clients."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(client__therapist=user)


class TreatmentPlan(SealedRecord, models.Model):
    """A client's plan: the container of its versions. Its review date is the latest signed
    version's (encrypted with the content it was signed with)."""

    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="treatment_plan")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientRecordQuerySet.as_manager()

    def __str__(self) -> str:
        return "Treatment plan"

    def get_absolute_url(self) -> str:
        return reverse("plan_detail", args=[self.client_id])


class PlanVersionQuerySet(ClientRecordQuerySet):
    def signed(self):
        return self.filter(status=PlanStatus.SIGNED)

    def drafts(self):
        return self.filter(status=PlanStatus.DRAFT)

    def update(self, **kwargs):
        # A database trigger refuses this too; checking here gives a clear Python error first.
        if self.filter(status=PlanStatus.SIGNED).exists():
            raise SignedPlanError("A signed plan version cannot be changed; edit the plan.")
        return super().update(**kwargs)


class PlanVersion(SealedRecord, models.Model):
    """One version of a plan: a draft while it is written, then signed and never changed."""

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"
    integrity_state = "status"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="versions")
    # The plan's client, again: what the values are bound to and the ledger files them under.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=PlanStatus, default=PlanStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Keyed seal of the signed content (content_digest); rechecked when the version is shown.
    content_hash = models.CharField(max_length=64, blank=True)
    # Optimistic locking: every write of a draft checks and bumps this in the same UPDATE.
    version = models.PositiveIntegerField(default=1)

    content = EncryptedJSONField(default=empty_content)
    review_date = EncryptedDateField()

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status="draft"),
                name="plan_one_draft_at_a_time",
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="plan_version_from_1"),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    models.Q(signed_at__isnull=False)
                    & models.Q(signed_by__isnull=False)
                    & ~models.Q(content_hash="")
                ),
                name="plan_signed_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan version {self.number}"

    def save(self, *args, **kwargs):
        # Integrity guard, not business logic: a signed version is never written again (the
        # database trigger enforces the same for every other path).
        if not self._state.adding and (
            PlanVersion.objects.filter(pk=self.pk, status=PlanStatus.SIGNED).exists()
        ):
            raise SignedPlanError("A signed plan version cannot be changed; edit the plan.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("plan_version_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        if PlanVersion.objects.filter(pk=self.pk, status=PlanStatus.SIGNED).exists():
            raise SignedPlanError("A signed plan version is kept; it cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == PlanStatus.SIGNED

    def content_digest(self) -> str:
        """The keyed seal over everything the signature covers."""
        return content_seal(
            {
                "id": str(self.pk),
                "plan": str(self.plan_id),
                "client": str(self.client_id),
                "number": self.number,
                "content": self.content,
                "review_date": self.review_date.isoformat() if self.review_date else None,
            }
        )

    def integrity_ok(self) -> bool:
        return not self.is_signed or self.content_digest() == self.content_hash

    def goals(self) -> list[dict]:
        return self.content.get("goals", [])

    def objectives(self) -> list[dict]:
        return objectives_of(self.content)


class NoteProgressQuerySet(ClientRecordQuerySet):
    def update(self, **kwargs):
        # As for signed notes: a trigger refuses it too, this says so first and clearly.
        if self.filter(session__status=NoteStatus.SIGNED).exists():
            raise LockedProgressError("The progress recorded with a signed note is locked.")
        return super().update(**kwargs)


class NoteProgress(SealedRecord, models.Model):
    """What one session note records against the plan: the goals it addressed and a rating
    (with a comment) per objective. It follows its note: editable while the note is a draft,
    locked once it is signed.

    ``entries``: {"goals_addressed": ["g1"], "objectives": {"o1": {"rating": "some_progress",
    "comment": "..."}}}, encrypted: which goals a session worked on is clinical content.
    """

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.OneToOneField(
        TherapySession, on_delete=models.CASCADE, related_name="plan_progress"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    # RESTRICT: a version with progress recorded against it goes only with the whole record.
    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.RESTRICT, related_name="progress"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    entries = EncryptedJSONField(default=dict)

    objects = NoteProgressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "note progress"

    def __str__(self) -> str:
        return "Plan progress"

    def save(self, *args, **kwargs):
        # Integrity guard: the progress of a signed note is locked with it (a trigger, too).
        if TherapySession.objects.filter(pk=self.session_id, status=NoteStatus.SIGNED).exists():
            raise LockedProgressError("The progress recorded with a signed note is locked.")
        super().save(*args, **kwargs)

    def goals_addressed(self) -> list[str]:
        return list(self.entries.get("goals_addressed", []))

    def objective_entries(self) -> dict[str, dict]:
        return dict(self.entries.get("objectives", {}))
