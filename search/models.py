"""What search keeps in the database: a change journal of ids (no content), the counter that
orders it, and the sealed snapshots of the in-memory indexes with the lease of whoever is
building one (docs/search.md, "Shared snapshots")."""

from django.conf import settings
from django.db import models


class IndexGeneration(models.Model):
    """A therapist's change counter: the sequence number of their latest journal entry.

    Writers raise it in the transaction of the write (``journal.record_change``); the row lock
    this takes orders a therapist's entries by commit, so a reader that has seen entry N has
    seen every entry below it. Only a number: nothing derived from note content.
    """

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Search journal at {self.value}"


class SearchChange(models.Model):
    """One write that a therapist's index must catch up with: the session it touched (re-read
    it, or drop it if it is gone), or a whole client (``client_id`` alone: an erasure).
    ``token`` is random: an index remembers the token of the entry it is at, so a journal
    that was rebuilt or restored (the same numbers, other writes) is never taken for its own.
    """

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    seq = models.BigIntegerField()
    token = models.BigIntegerField()
    session_id = models.UUIDField(null=True, blank=True)
    client_id = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["therapist", "seq"], name="search_change_seq_unique")
        ]

    def __str__(self) -> str:
        return f"Search change {self.seq}"


class SearchSnapshot(models.Model):
    """A therapist's whole in-memory index (``sqlite3.Connection.serialize()``), sealed with
    AES-256-GCM under a key of its own derived from the keyring; its associated data names the
    therapist and the journal entry it is at. A cache: never backed up, deleted when any of the
    therapist's clients is erased and on key rotation, rebuilt when missing or refused."""

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    seq = models.BigIntegerField()
    token = models.BigIntegerField()
    sealed = models.BinaryField()
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Search snapshot at {self.seq}"


class SearchBuildLease(models.Model):
    """Who is building a therapist's index from the notes now: one process at a time; the
    lease lapses at ``expires_at`` should that process die."""

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Search build lease until {self.expires_at}"
