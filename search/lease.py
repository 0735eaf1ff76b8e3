"""One builder at a time: a process building a therapist's index from the notes holds a lease
(a row, on SQLite and PostgreSQL alike); the others wait for its snapshot. The builder renews
its lease as it goes (each 2,000 sessions); one not renewed lapses after LEASE_SECONDS, so a
builder that died (a killed worker) holds the others up for that long at most."""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import SearchBuildLease

LEASE_SECONDS = 15


def acquire(therapist_id: int) -> str | None:
    """A holder token if the lease was free (or had lapsed), else None."""
    now = timezone.now()
    SearchBuildLease.objects.filter(therapist_id=therapist_id, expires_at__lt=now).delete()
    holder = secrets.token_hex(16)
    try:
        with transaction.atomic():
            SearchBuildLease.objects.create(
                therapist_id=therapist_id,
                holder=holder,
                expires_at=now + datetime.timedelta(seconds=LEASE_SECONDS),
            )
    except IntegrityError:
        return None
    return holder


def renew(therapist_id: int, holder: str) -> None:
    expires_at = timezone.now() + datetime.timedelta(seconds=LEASE_SECONDS)
    SearchBuildLease.objects.filter(therapist_id=therapist_id, holder=holder).update(
        expires_at=expires_at
    )


def release(therapist_id: int, holder: str) -> None:
    SearchBuildLease.objects.filter(therapist_id=therapist_id, holder=holder).delete()


def held(therapist_id: int) -> bool:
    """Whether a live lease is out (someone is building now)."""
    return SearchBuildLease.objects.filter(
        therapist_id=therapist_id, expires_at__gte=timezone.now()
    ).exists()
