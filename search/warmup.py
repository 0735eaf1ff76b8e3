"""Loading a therapist's index once they have signed in (both factors: the password alone starts
nothing), in a background thread of that process, so their first search is warm and nobody's
request pays for it (docs/search.md). One thread per therapist at a time in a process, none when
their index is already loaded there."""

import logging
import threading

from django.conf import settings
from django.db import connection
from django.dispatch import receiver

from accounts.signals import second_factor_passed

from .index import refreshed, registry

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
        with _running_lock:
            _running.discard(therapist_id)


_running: set[int] = set()
_running_lock = threading.Lock()


@receiver(second_factor_passed, dispatch_uid="search.warm_up")
def signed_in(sender, user, **kwargs) -> None:
    if not getattr(settings, "SEARCH_WARM_UP", True) or registry.loaded(user.pk):
        return
    with _running_lock:
        if user.pk in _running:
            return
        _running.add(user.pk)
    threading.Thread(
        target=_in_background, args=(user.pk,), name=f"search-warm-up-{user.pk}", daemon=True
    ).start()
