from django.conf import settings
from django.db import models


class IndexGeneration(models.Model):
    """A per-therapist change marker: a new random value on every write to a note, compared by
    each search with the value the process's index was built at.

    Only a number: nothing derived from note content is stored (docs/search.md).
    """

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Search index generation {self.value}"
