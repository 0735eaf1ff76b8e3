"""Large case summaries, made outside the request (docs/case-summary.md, "Large summaries").

A summary covering more than ``SUMMARY_BACKGROUND_OVER`` sessions takes seconds to lay out.
The page then stores a pending ``PreparedSummary`` and, once that has committed, starts
``manage.py build_prepared_summary <id>`` as a process of its own, and shows a page that waits
for it. Why a process and not a thread of the web worker:

- gunicorn's sync workers serve one request at a time; a thread building a PDF holds the GIL
  through reportlab's layout and slows every request that worker serves meanwhile;
- a worker is restarted or killed (its timeout, a deploy's graceful stop after 30 s, the OOM
  killer): its threads die with it, while a process in its own session finishes its file;
- a build's memory (100 MB and more for 1,000 sessions) goes back to the system when the
  process ends, where a long-lived worker would keep its peak.

A build that dies anyway (the machine restarts) leaves its file pending: after
``BUILD_GIVEN_UP_AFTER`` the page says it failed, and the row goes with the hourly clean-up.

The passphrase, when one is asked for, is handed to the process on its standard input (never
its arguments or environment, which other local users can read) and the PDF is encrypted with
it before it is stored: the passphrase itself is never stored anywhere.
"""

import base64
import dataclasses
import datetime
import logging
import subprocess
import sys
import threading
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client

from .limits import check_room
from .models import PreparedStatus, PreparedSummary
from .pdf import SummaryOptions
from .services import build_case_summary, record_summary

logger = logging.getLogger(__name__)

BUILD_COMMAND = "build_prepared_summary"


class PassphraseMissing(Exception):
    """The file was asked for with a passphrase, and the build process did not receive one."""


# --- which summaries go to the background ----------------------------------------------------
def covered_sessions(client: Client, options: SummaryOptions) -> int:
    """How many sessions a summary with ``options`` covers (one COUNT query)."""
    sessions = client.sessions.all()
    if options.date_from:
        sessions = sessions.filter(date__gte=options.date_from)
    if options.date_to:
        sessions = sessions.filter(date__lte=options.date_to)
    return sessions.count()


def too_large_for_request(client: Client, options: SummaryOptions) -> bool:
    return covered_sessions(client, options) > settings.SUMMARY_BACKGROUND_OVER


# --- the options, stored without the passphrase ----------------------------------------------
def _encode(value):
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return {"$date": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, set | frozenset):
        return {"$set": sorted((_encode(item) for item in value), key=repr)}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {"$dict": {str(key): _encode(item) for key, item in value.items()}}
    raise TypeError(f"a summary option of type {type(value).__name__} cannot be kept")


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    ((tag, inner),) = value.items()
    if tag == "$date":
        return datetime.date.fromisoformat(inner)
    if tag == "$uuid":
        return uuid.UUID(inner)
    if tag == "$set":
        return frozenset(_decode(item) for item in inner)
    if tag == "$tuple":
        return tuple(_decode(item) for item in inner)
    return {key: _decode(item) for key, item in inner.items()}  # "$dict"


def options_to_json(options: SummaryOptions) -> dict:
    """Every option but the passphrase (only whether there was one)."""
    values = {
        item.name: _encode(getattr(options, item.name))
        for item in dataclasses.fields(options)
        if item.name != "passphrase"
    }
    return {"values": values, "with_passphrase": bool(options.passphrase)}


def options_from_json(data: dict, passphrase: str = "") -> SummaryOptions:
    """The options again; a name the code no longer has is left out (a deploy in between)."""
    known = {item.name for item in dataclasses.fields(SummaryOptions)}
    values = {name: _decode(value) for name, value in data["values"].items() if name in known}
    return SummaryOptions(**values, passphrase=passphrase)


# --- starting and running a build ------------------------------------------------------------
def prepare_summary(*, client: Client, user, options: SummaryOptions) -> PreparedSummary:
    """A pending file for ``client``'s summary; its build starts when the transaction commits.

    Raises ``limits.AlreadyPreparing`` (with the pending file) when the therapist asked for
    one of this client that is still being built, ``limits.TooManyBuilds`` when they, or the
    server, have as many builds running as allowed."""
    discard_expired()
    with transaction.atomic():
        # Two requests of one therapist at once count each other's build.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        check_room(client=client, user=user)
        job = PreparedSummary.objects.create(
            therapist=user,
            client=client,
            session_count=covered_sessions(client, options),
            options=options_to_json(options),
        )
        passphrase = options.passphrase
        transaction.on_commit(lambda: start_build(job.pk, passphrase))
    return job


def start_build(job_id, passphrase: str = "") -> None:
    """Run the build in a process of its own, in its own session (a worker's restart does not
    stop it); a thread of this process waits for it, so that it never lingers as a zombie."""
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), BUILD_COMMAND, str(job_id)]
    try:
        process = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
            command,
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        logger.error("case summary %s: the build could not start (%s)", job_id, error.strerror)
        _finish(job_id, None)
        return
    secret = passphrase.encode("ascii")  # printable ASCII (summaries/passphrase.py)
    threading.Thread(target=process.communicate, args=(secret,), daemon=True).start()


def build_prepared(job_id, *, passphrase: str = "") -> str | None:
    """Build a pending file and store it (the build process runs this). Returns the status it
    ends in, or None when there was no such pending file (discarded, or built already)."""
    discard_expired()
    job = (
        PreparedSummary.objects.select_related("client", "therapist")
        .filter(pk=job_id, status=PreparedStatus.PENDING)
        .first()
    )
    if job is None:
        return None
    try:
        if job.options.get("with_passphrase") and not passphrase:
            raise PassphraseMissing
        options = options_from_json(job.options, passphrase)
        pdf = build_case_summary(client=job.client, therapist=job.therapist, options=options)
    except Exception as error:
        # The class only: reportlab's messages can quote the text being laid out.
        logger.error("case summary %s could not be built: %s", job.pk, type(error).__name__)
        pdf = None
    return _finish(job.pk, pdf)


def _finish(job_id, pdf: bytes | None) -> str | None:
    with transaction.atomic():
        job = (
            PreparedSummary.objects.select_for_update(of=("self",))
            .select_related("client", "therapist")
            .filter(pk=job_id, status=PreparedStatus.PENDING)
            .first()
        )
        if job is None:  # discarded while it was being built
            return None
        job.finished_at = timezone.now()
        if pdf is None:
            job.status = PreparedStatus.FAILED
        else:
            job.status = PreparedStatus.READY
            job.pdf = base64.b64encode(pdf).decode("ascii")
        job.save()
        log_event(
            action=Action.SUMMARY_PREPARED,
            user=job.therapist,
            obj=job,
            client=job.client,
            outcome=Outcome.OK if pdf is not None else Outcome.FAILED,
        )
        return job.status


# --- handing the file out, and deleting it ---------------------------------------------------
def take_download(*, job: PreparedSummary, user, request=None) -> bytes | None:
    """The ready file's PDF, deleted from the database in the same transaction and recorded
    as the disclosure it is (as a summary downloaded at once is). None if it is gone."""
    with transaction.atomic():
        pdf = base64.b64decode(job.pdf)
        options = options_from_json(job.options)
        client = job.client
        if not _delete(job):
            return None
        record_summary(client=client, user=user, options=options, request=request)
        log_event(
            action=Action.SUMMARY_DOWNLOADED, request=request, user=user, obj=job, client=client
        )
    return pdf


def discard(*, job: PreparedSummary, user, request=None) -> None:
    """Delete a file nobody will download (the therapist's choice)."""
    with transaction.atomic():
        if _delete(job):
            log_event(
                action=Action.SUMMARY_DISCARDED,
                request=request,
                user=user,
                obj=job,
                client=job.client,
            )


def discard_expired(now: datetime.datetime | None = None) -> int:
    """Delete every file older than ``models.KEPT_FOR``, whoever it is for; how many."""
    expired = list(PreparedSummary.objects.expired(now).select_related("client"))
    deleted = 0
    for job in expired:
        with transaction.atomic():
            if _delete(job):
                log_event(
                    action=Action.SUMMARY_DISCARDED,
                    obj=job,
                    client=job.client,
                )
                deleted += 1
    return deleted


def _delete(job: PreparedSummary) -> bool:
    """Delete the row unless another request did so first."""
    deleted, _ = PreparedSummary.objects.filter(pk=job.pk).delete()
    return bool(deleted)
