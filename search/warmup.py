"""Loading a therapist's index after they sign in, in a background thread of that process, so
their first search is warm and nobody's request pays for it (docs/search.md)."""

import logging
import threading

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import connection
from django.dispatch import receiver

from .index import refreshed

logger = logging.getLogger(__name__)


def warm(therapist_id: int) -> None:
    """Load (from the snapshot) or build the therapist's index and bring it up to date."""
    try:
        refreshed(therapist_id)
    except Exception:  # a warm-up that fails costs the first search its speed, nothing else
        logger.exception("Loading the search index of therapist %s failed", therapist_id)


def _in_background(therapist_id: int) -> None:
    try:
        warm(therapist_id)
    finally:
        connection.close()  # this thread's own connection


@receiver(user_logged_in, dispatch_uid="search.warm_up")
def signed_in(sender, user, **kwargs) -> None:
    if getattr(settings, "SEARCH_WARM_UP", True):
        threading.Thread(
            target=_in_background, args=(user.pk,), name=f"search-warm-up-{user.pk}", daemon=True
        ).start()
