"""A large case summary made outside the request and kept until it is downloaded (jobs.py).

The finished PDF is the whole record in one file, so it is stored as every clinical value is:
encrypted (base64 in an encrypted text field), bound to the client and the therapist who asked
for it, and sealed in the integrity ledger. It lives at most ``KEPT_FOR``; the options it was
made with are kept (encrypted) beside it for the disclosure record made at download. A
passphrase is never stored: the PDF is encrypted with it before it is kept.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from encryption.fields import EncryptedJSONField, EncryptedTextField
from integrity.records import SealedQuerySet, SealedRecord

# A prepared file is deleted after download, and in any case once it is this old.
KEPT_FOR = datetime.timedelta(hours=1)
# A build still pending after this long has stopped (its process was killed): shown as failed.
BUILD_GIVEN_UP_AFTER = datetime.timedelta(minutes=10)


class PreparedStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class PreparedSummaryQuerySet(SealedQuerySet):
    def for_therapist(self, user) -> "PreparedSummaryQuerySet":
        """Only the files the therapist asked for, of their own clients."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(therapist=user, client__therapist=user)

    def expired(self, now: datetime.datetime | None = None) -> "PreparedSummaryQuerySet":
        return self.filter(created_at__lte=(now or timezone.now()) - KEPT_FOR)


class PreparedSummary(SealedRecord, models.Model):
    encryption_parents = ("client_id", "therapist_id")
    integrity_parent = "client_id"
    integrity_state = "status"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=PreparedStatus, default=PreparedStatus.PENDING)
    # How many sessions the summary covers, for the progress page.
    session_count = models.PositiveIntegerField(default=0)
    # The SummaryOptions it is made with (jobs.options_to_json), the passphrase left out.
    options = EncryptedJSONField(default=dict)
    # The PDF, base64; "" until it is ready.
    pdf = EncryptedTextField()

    objects = PreparedSummaryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "prepared summaries"

    def __str__(self) -> str:
        return f"Prepared summary {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("prepared_summary", args=[self.pk])

    def expires_at(self) -> datetime.datetime:
        return self.created_at + KEPT_FOR

    def shown_status(self, now: datetime.datetime | None = None) -> str:
        """The status to show: a build pending for too long has failed."""
        now = now or timezone.now()
        if self.status == PreparedStatus.PENDING and now - self.created_at > BUILD_GIVEN_UP_AFTER:
            return PreparedStatus.FAILED
        return self.status
