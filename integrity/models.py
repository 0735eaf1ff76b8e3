from django.db import models


class Kind(models.TextChoices):
    WRITE = "write", "Written"
    DELETE = "delete", "Deleted"


class RowSeal(models.Model):
    """One entry of the integrity ledger: a record's state after one write or its deletion.

    ``digest`` is a keyed HMAC of every stored column of the row (ciphertext bytes included),
    so it reveals nothing of the content. Entries form an HMAC chain in ``seq`` order, like the
    audit log, and the database refuses UPDATE and DELETE on this table. The newest entry of a
    row is what the row must look like now (see docs/audit.md, "Records").
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    label = models.CharField(max_length=64)  # "app_label.modelname"
    row_id = models.CharField(max_length=64)
    parent_id = models.CharField(max_length=64, blank=True)
    # 1 for the first entry of a row, then +1 for each write and for the deletion.
    row_version = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind)
    # A plain column worth naming when it changes (a session's status: draft / signed).
    state = models.CharField(max_length=16, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["label", "row_id", "seq"]),
            models.Index(fields=["label", "parent_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.kind} {self.label}"
