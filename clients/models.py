import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from encryption.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
    EncryptedJSONField,
    EncryptedTextField,
)
from integrity.records import SealedQuerySet, SealedRecord


def fold_text(text: str) -> str:
    """Case- and accent-insensitive form of a name, for matching and sorting."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class ClientStatus(models.TextChoices):
    WAITLIST = "waitlist", "Waitlist"
    ACTIVE = "active", "Active"
    DISCHARGED = "discharged", "Discharged"


class ClientQuerySet(SealedQuerySet):
    def for_therapist(self, user) -> "ClientQuerySet":
        """The only way views reach clients: those of the signed-in therapist."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(therapist=user)


class Client(SealedRecord, models.Model):
    """A person in the therapist's care. Everything that identifies them is encrypted."""

    # Values are bound to the therapist (a client moved to another therapist fails to decrypt),
    # and every write is in the integrity ledger (integrity app).
    encryption_parents = ("therapist_id",)
    integrity_parent = "therapist_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients"
    )
    # The per-therapist number behind the client code (C-0007); shown instead of a name
    # wherever Django writes to its own tables.
    number = models.PositiveIntegerField(editable=False)
    status = models.CharField(max_length=12, choices=ClientStatus, default=ClientStatus.ACTIVE)
    intake_date = models.DateField(default=timezone.localdate)
    discharge_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    full_name = EncryptedCharField(max_length=200, blank=False)
    preferred_name = EncryptedCharField(max_length=100)
    pronouns = EncryptedCharField(max_length=40)
    date_of_birth = EncryptedDateField()
    phone = EncryptedCharField(max_length=40)
    email = EncryptedEmailField(max_length=254)
    address = EncryptedTextField(max_length=1000)
    emergency_contact = EncryptedTextField(max_length=1000)
    referral_source = EncryptedCharField(max_length=200)
    presenting_concerns = EncryptedTextField(max_length=20_000)
    general_notes = EncryptedTextField(max_length=100_000)
    closing_summary = EncryptedTextField(max_length=20_000)
    # The people the therapist names in this client's notes, with their role:
    # [{"name": "Mark", "role": "partner"}]. A de-identified summary replaces each name with
    # its role ("[partner]"); see summaries/deidentify.py.
    other_names = EncryptedJSONField(default=list)

    objects = ClientQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "number"], name="client_number_unique_per_therapist"
            ),
            models.CheckConstraint(
                condition=models.Q(discharge_date__isnull=True)
                | models.Q(discharge_date__gte=models.F("intake_date")),
                name="client_discharge_after_intake",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "status"])]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("client_detail", args=[self.pk])

    @property
    def code(self) -> str:
        return f"C-{self.number:04d}"

    @property
    def display_name(self) -> str:
        """The name a therapist uses in the room, with the legal name alongside if different."""
        if self.preferred_name and self.preferred_name != self.full_name:
            return f"{self.preferred_name} ({self.full_name})"
        return self.full_name

    def sort_key(self) -> tuple[str, str, int]:
        # Accents folded first, so that "Élodie" sorts among the E's, not after "Zoë".
        return (fold_text(self.full_name), self.full_name.casefold(), self.number)


class ClientNumbering(models.Model):
    """The last client number a therapist has used. Numbers only go up, so that an erased
    client's code (still in the audit log) is never given to someone else."""

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"C-{self.last_number:04d}"


class DisclosureKind(models.TextChoices):
    EXPORT = "export", "Record export"
    SUMMARY = "summary", "Case summary"


class Disclosure(SealedRecord, models.Model):
    """A copy of the record that left the app (export or printed summary): when, by whom,
    what it contained, and the reason the therapist gave for including process notes."""

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="disclosures")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=DisclosureKind)
    includes_process_notes = models.BooleanField(default=False)
    # Encrypted: a reason may describe the client's situation.
    process_notes_reason = EncryptedTextField(max_length=2_000)

    objects = SealedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"
