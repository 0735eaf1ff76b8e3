"""Outcome measures as stored: each questionnaire a client completed (its answers and score),
the measures due for a client, and the optional one-time link a client fills one in by.

Which questionnaire a client takes, when, the answers and the score are clinical: all
encrypted and bound to the client. Plain columns say only who entered it and how (therapist,
hand-over, link), and when the row was made. Every write is in the integrity ledger. Writes go
through ``measures.services`` only.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models import Client
from encryption.fields import EncryptedCharField, EncryptedDateField, EncryptedJSONField
from integrity.records import SealedQuerySet, SealedRecord

from . import catalogue


class MeasuresQuerySet(SealedQuerySet):
    def for_therapist(self, user) -> "MeasuresQuerySet":
        """The only way views reach these records: those of the therapist's own clients."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(client__therapist=user)


class AdministrationSource(models.TextChoices):
    THERAPIST = "therapist", "Entered by therapist"
    HANDOVER = "handover", "Completed by client in session"
    LINK = "link", "Completed by client via link"


class Administration(SealedRecord, models.Model):
    """One questionnaire completed on one day. Never edited or deleted on its own (a mistake is
    entered again); it goes with the client's record when that is erased."""

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="administrations")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        max_length=10, choices=AdministrationSource, default=AdministrationSource.THERAPIST
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The slug of the questionnaire (catalogue): which one a client takes is clinical.
    measure = EncryptedCharField(max_length=40)
    administered_on = EncryptedDateField()
    # {"1": 2, "2": null, ...}: item number (as text, JSON keys) to the answer given.
    answers = EncryptedJSONField(default=dict)
    # {"total": 14.0, "status": "complete", "answered": 9, "band": "Moderate",
    #  "above_cutoff": true, "risk_items": [9]}: the score as computed when stored.
    result = EncryptedJSONField(default=dict)

    objects = MeasuresQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["client", "created_at"])]

    def __str__(self) -> str:
        return f"{self.client.code} questionnaire {self.created_at:%Y-%m-%d}"

    @property
    def measure_obj(self) -> "catalogue.Measure | None":
        """The questionnaire, or None if its file is no longer installed."""
        return catalogue.all_measures().get(self.measure)

    @property
    def total(self) -> float | None:
        return self.result.get("total")

    @property
    def status(self) -> str:
        return self.result.get("status", "")

    @property
    def band_label(self) -> str:
        return self.result.get("band", "")


class Frequency(models.TextChoices):
    EVERY_SESSION = "every_session", "Every session"
    EVERY_4_WEEKS = "every_4_weeks", "Every 4 weeks"
    INTAKE_DISCHARGE = "intake_discharge", "At intake and discharge"


class MeasureSchedule(SealedRecord, models.Model):
    """Which questionnaires are due for a client, and how often (measures.due)."""

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="measure_schedule")
    updated_at = models.DateTimeField(auto_now=True)

    # {slug: "every_session" | "every_4_weeks" | "intake_discharge"}
    due = EncryptedJSONField(default=dict)

    objects = MeasuresQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.client.code} measures due"


LINK_LIFETIME = datetime.timedelta(hours=72)
# Refused submissions (answers that do not validate) a link survives.
LINK_MAX_REFUSALS = 5


class ClientLink(SealedRecord, models.Model):
    """A one-time address at which a client completes one questionnaire. Only the sha256 of its
    random token is kept: the address is shown once, when made."""

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="measure_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Submissions refused (answers that did not validate); at LINK_MAX_REFUSALS the link stops
    # working (measures.services.refuse_link).
    refused_count = models.PositiveSmallIntegerField(default=0)

    measure = EncryptedCharField(max_length=40)

    objects = MeasuresQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client.code} questionnaire link {self.created_at:%Y-%m-%d}"

    @property
    def measure_obj(self) -> "catalogue.Measure | None":
        return catalogue.all_measures().get(self.measure)

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.used_at is None
            and now < self.expires_at
            and self.refused_count < LINK_MAX_REFUSALS
        )


class HandOver(models.Model):
    """One hand-over of the device (measures.handover): whether the client may still send
    answers, and the wrong passwords typed on its locked screen.

    Kept in the database rather than in the session: a session is read at the start of a
    request and written back at its end, so requests running side by side each counted from
    the value they started with (24 wrong passwords at once counted as 3, six posts of the
    answers stored six questionnaires). A conditional UPDATE is atomic in any worker and on
    both databases (measures.handovers). Nothing clinical: which client and questionnaire
    stay in the signed-in session."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    # The client's turn: True until the answers are in or the questionnaire is left.
    answering = models.BooleanField(default=True)
    # Unlock attempts counted so far (measures.handover.MAX_UNLOCK_FAILURES).
    attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"hand-over {self.started_at:%Y-%m-%d %H:%M}"


class SentForm(models.Model):
    """The one-time key of a questionnaire form that has been sent and stored (the therapist's
    form, measures.forms.AnswersForm): the same page sent twice (a double tap, the browser
    sending it again) stores one questionnaire. The key is the primary key, so the second
    insert fails in whichever worker runs it, even at the same moment (measures.services)."""

    key = models.UUIDField(primary_key=True)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"questionnaire form sent {self.sent_at:%Y-%m-%d %H:%M}"
