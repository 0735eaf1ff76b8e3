"""Appointments: when a client is seen, how, and whether they came.

Scheduling facts (start, duration, modality, status) are plain columns, as a note's date and
time are; everything written about the appointment (location, the status reason, the private
remark) is encrypted and bound to the client. Times are stored in UTC and shown in TIME_ZONE
(appointments.clock). Every write is in the integrity ledger, with the status, so an attendance
changed outside the application is named as such.
"""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from encryption.fields import EncryptedCharField, EncryptedTextField
from integrity.records import SealedQuerySet, SealedRecord

MAX_DURATION_MINUTES = 600
# *Write note* is offered from this long before an appointment begins.
NOTE_EARLY_MINUTES = 30


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ATTENDED = "attended", "Attended"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLATION = "late_cancel", "Late cancellation"
    NO_SHOW = "no_show", "No-show"


# Statuses in which the appointment still takes up the therapist's time (clash warnings).
BUSY_STATUSES = (AppointmentStatus.SCHEDULED, AppointmentStatus.ATTENDED)
# Statuses that say the client did not come, so that no note is expected.
NOT_HELD_STATUSES = (
    AppointmentStatus.CANCELLED,
    AppointmentStatus.LATE_CANCELLATION,
    AppointmentStatus.NO_SHOW,
)


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"


class AppointmentQuerySet(SealedQuerySet):
    def for_therapist(self, user) -> "AppointmentQuerySet":
        """The only way views reach appointments: those of the therapist's own clients."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(client__therapist=user)

    def with_note_status(self) -> "AppointmentQuerySet":
        """Each with ``note_status``: "signed", "draft" or None (a note at most, through the
        notes' reverse relation), in order of start (Meta.ordering does not apply to a query
        with an aggregate)."""
        return self.annotate(note_status=models.Max("notes__status")).order_by("start")

    def between(self, start: datetime.datetime, end: datetime.datetime) -> "AppointmentQuerySet":
        """Appointments starting in [start, end)."""
        return self.filter(start__gte=start, start__lt=end)


class Series(SealedRecord, models.Model):
    """A recurrence rule (dateutil rrule) that appointments were made from.

    Its occurrences are stored as Appointment rows (made when the series is made, bounded by an
    end date or a count), so that each can be moved, cancelled or attended on its own; the series
    keeps the rule for "this and following" edits. ``first_start`` is the first occurrence's
    start; the rule runs in local wall-clock time, so that 10:00 stays 10:00 across a
    daylight-saving change.
    """

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="series")
    frequency = models.CharField(max_length=12, choices=Frequency)
    first_start = models.DateTimeField()
    until = models.DateField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    # Local dates of occurrences left out (holidays): ISO dates, space-separated.
    skipped = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SealedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} from {self.first_start:%Y-%m-%d}"

    def skipped_dates(self) -> set[datetime.date]:
        return {datetime.date.fromisoformat(value) for value in self.skipped.split()}


class Appointment(SealedRecord, models.Model):
    encryption_parents = ("client_id",)
    integrity_parent = "client_id"
    integrity_state = "status"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    # RESTRICT: a series is never deleted while it has appointments, except when the client's
    # whole record is erased (both go in the same cascade).
    series = models.ForeignKey(
        Series, on_delete=models.RESTRICT, null=True, blank=True, related_name="appointments"
    )
    start = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    modality = models.CharField(max_length=12, choices=Modality, default=Modality.IN_PERSON)
    status = models.CharField(
        max_length=12, choices=AppointmentStatus, default=AppointmentStatus.SCHEDULED
    )
    # True once this occurrence was changed on its own ("this one"): a later "this and
    # following" edit of its series still moves it, but the page says it had been changed.
    detached = models.BooleanField(default=False)
    # sha256 of (therapist, calendar UID, recurrence instant) of an imported event, so that
    # importing the same calendar again adds nothing. Not the UID itself.
    import_key = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    location = EncryptedCharField(max_length=200)
    status_reason = EncryptedCharField(max_length=500, verbose_name="reason")
    remark = EncryptedTextField(max_length=5_000, verbose_name="private remark")

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["client", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1)
                & models.Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="appointment_duration_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client.code} {self.start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("appointment_detail", args=[self.pk])

    @property
    def end(self) -> datetime.datetime:
        return self.start + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def has_begun(self) -> bool:
        return self.start <= timezone.now()

    @property
    def note_due(self) -> bool:
        """A note can be written: held, and begun (or beginning within NOTE_EARLY_MINUTES)."""
        soon = timezone.now() + datetime.timedelta(minutes=NOTE_EARLY_MINUTES)
        return self.is_held and self.start <= soon

    @property
    def is_held(self) -> bool:
        return self.status not in NOT_HELD_STATUSES


class FeedLabel(models.TextChoices):
    CODES = "codes", "Client codes (C-0007)"
    INITIALS = "initials", "Initials (A. B.)"


class CalendarFeed(models.Model):
    """A therapist's calendar subscription address. Only a hash of its secret token is kept:
    the address is shown once, when made; renewing it makes the old one stop working."""

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    label = models.CharField(max_length=10, choices=FeedLabel, default=FeedLabel.CODES)
    created_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.therapist}"

    @property
    def is_active(self) -> bool:
        return bool(self.token_hash)
