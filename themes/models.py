from django.db import models


class Category(models.TextChoices):
    ATTACHMENT = "attachment", "Attachment and family of origin"
    SELF_CONCEPT = "self_concept", "Self-concept"
    RELATIONAL = "relational", "Relational patterns"
    COPING = "coping", "Coping"
    AFFECT = "affect", "Affect"
    RISK = "risk", "Risk"
    LIFE_AREAS = "life_areas", "Life areas"
    THERAPY_PROCESS = "therapy_process", "Therapy process"


class Intensity(models.IntegerChoices):
    MENTIONED = 1, "Mentioned"
    EXPLORED = 2, "Explored"
    CENTRAL = 3, "Central"


class ThemeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Theme(models.Model):
    """One entry of the taxonomy of recurring themes. Shared, not client data: no encryption.

    Which themes a given session touched is client data, and is stored encrypted on the session.
    """

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=240, blank=True)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name
