"""How many large case summaries are built at once (jobs.py, docs/case-summary.md).

Each build is a process of 100 MB and more that keeps a core busy for seconds. A therapist who
asks again for the same client gets the file already being prepared; they have at most
``PENDING_PER_THERAPIST`` builds running, and the server ``PENDING_IN_TOTAL``. A build killed
on the way stays pending: after ``BUILD_GIVEN_UP_AFTER`` it is shown as failed and no longer
counts.

The therapist's row is locked while their count is checked, so two requests of theirs at once
cannot both pass. The server's total is not locked: therapists asking at the same instant
can each pass it once, which bounds the load all the same.
"""

from django.utils import timezone

from clients.models import Client

from .models import BUILD_GIVEN_UP_AFTER, PreparedStatus, PreparedSummary

PENDING_PER_THERAPIST = 2
PENDING_IN_TOTAL = 4


class AlreadyPreparing(Exception):
    """A summary of this client asked for by this therapist is still being built."""

    def __init__(self, job: PreparedSummary):
        super().__init__("already being prepared")
        self.job = job


class TooManyBuilds(Exception):
    """The therapist, or the server, has as many builds running as it allows: ``message``
    says which, for the page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _building():
    """The builds still running: pending, and not yet given up (a killed build stays pending)."""
    started_since = timezone.now() - BUILD_GIVEN_UP_AFTER
    return PreparedSummary.objects.filter(
        status=PreparedStatus.PENDING, created_at__gt=started_since
    )


def check_room(*, client: Client, user) -> None:
    """Raise unless another build may start (called with the therapist's row locked)."""
    mine = _building().filter(therapist=user)
    same = mine.filter(client=client).order_by("-created_at").first()
    if same is not None:
        raise AlreadyPreparing(same)
    if mine.count() >= PENDING_PER_THERAPIST:
        raise TooManyBuilds(
            f"You have {PENDING_PER_THERAPIST} summaries being prepared already. Wait until "
            "one is ready (or delete it) before asking for another."
        )
    if _building().count() >= PENDING_IN_TOTAL:
        raise TooManyBuilds(
            "The server is preparing as many large summaries as it can at once. Try again in "
            "a minute, or make a smaller one now (a shorter period, or fewer sections)."
        )
