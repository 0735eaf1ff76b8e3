"""The database side of a hand-over (measures.models.HandOver): the client's one turn to send
answers, and the unlock attempts, each taken by one conditional UPDATE.

``UPDATE ... SET answering = false WHERE id = %s AND answering`` changes the row for exactly one
of several requests sent at once, whichever worker runs them: on PostgreSQL the later UPDATEs
wait for the first one's transaction and then find the condition false; on SQLite writers run
one at a time. The same holds for ``attempts < limit``. (The local-memory cache is per process,
and the session is written back whole at each request's end: neither can count this.)
"""

import datetime
from uuid import UUID

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .models import HandOver


def start(user) -> HandOver:
    """A new hand-over. Rows are never deleted while their session may live: a request still
    running when the hand-over ended (unlocked, or signed out) must find the counts it ended
    with. Those older than the longest sign-in are cleared away here."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.SESSION_ABSOLUTE_LIFETIME)
    HandOver.objects.filter(started_at__lt=cutoff).delete()
    return HandOver.objects.create(user=user)


def adopt(user, *, answering: bool, attempts: int = 0) -> HandOver:
    """A row for a hand-over the session holds without one (begun before these rows existed,
    or its row gone: the caller then passes a closed one)."""
    return HandOver.objects.create(user=user, answering=answering, attempts=max(0, attempts))


def find(user, handover_id) -> HandOver | None:
    try:
        key = UUID(str(handover_id))
    except ValueError:
        return None
    return HandOver.objects.filter(pk=key, user=user).first()


def take_turn(handover: HandOver) -> bool:
    """End the client's turn: True for the one request that ends it (and may store answers)."""
    return bool(HandOver.objects.filter(pk=handover.pk, answering=True).update(answering=False))


def take_attempt(handover: HandOver, *, limit: int) -> bool:
    """Count one unlock attempt, before the password is checked: False when ``limit`` attempts
    have already been made (no password may be checked then)."""
    return bool(
        HandOver.objects.filter(pk=handover.pk, attempts__lt=limit).update(
            attempts=F("attempts") + 1
        )
    )


def attempts_made(handover: HandOver) -> int:
    """The attempts counted so far, by every request (0 once the hand-over has ended)."""
    found = HandOver.objects.filter(pk=handover.pk).values_list("attempts", flat=True).first()
    return found or 0
