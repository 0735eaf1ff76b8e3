import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from encryption.fields import EncryptedJSONField
from integrity.records import SealedQuerySet, SealedRecord


class Category(models.TextChoices):
    ATTACHMENT = "attachment", "Attachment and family of origin"
    SELF_CONCEPT = "self_concept", "Self-concept"
    RELATIONAL = "relational", "Relational patterns"
    COPING = "coping", "Coping"
    AFFECT = "affect", "Affect"
    RISK = "risk", "Risk"
    HEALTH = "health", "Health and neurodivergence"
    LIFE_AREAS = "life_areas", "Life areas"
    THERAPY_PROCESS = "therapy_process", "Therapy process"


class ThemeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def available_to(self, user) -> "ThemeQuerySet":
        """The built-in themes and the therapist's own; never another therapist's."""
        if user is None or not user.is_authenticated:
            return self.filter(owner__isnull=True)
        return self.filter(Q(owner__isnull=True) | Q(owner=user))

    def custom_of(self, user) -> "ThemeQuerySet":
        return (
            self.filter(owner=user) if user is not None and user.is_authenticated else self.none()
        )


class Theme(models.Model):
    """One entry of the taxonomy of recurring themes. Shared, not client data: no encryption.

    Which themes a given session touched is client data, and is stored encrypted on the session.
    """

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    category = models.CharField(max_length=20, choices=Category)
    description = models.CharField(max_length=240, blank=True)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    # Empty for the built-in taxonomy; set for a therapist's own themes.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="custom_themes",
    )

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_custom(self) -> bool:
        return self.owner_id is not None


class ClientThemeExclusionQuerySet(SealedQuerySet):
    def for_therapist(self, user) -> "ClientThemeExclusionQuerySet":
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(client__therapist=user)


class ClientThemeExclusion(SealedRecord, models.Model):
    """The themes a therapist marked "not for this client": never suggested for that client.

    One row per client, with the theme ids in one encrypted list (as on TherapySession.themes):
    which themes a client does or does not work on is health data, and a plaintext row per
    theme would be readable, and countable, by anyone holding the database.
    """

    encryption_parents = ("client_id",)
    integrity_parent = "client_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.OneToOneField(
        "clients.Client", on_delete=models.CASCADE, related_name="theme_exclusion"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # [Theme id, ...], sorted.
    theme_ids = EncryptedJSONField(default=list)

    objects = ClientThemeExclusionQuerySet.as_manager()

    def __str__(self) -> str:
        return "Themes not suggested"
