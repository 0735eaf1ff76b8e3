"""The one door for every write of an outcome measure: views, the hand-over mode, the client
link and the demo call these; nothing else saves an Administration, a MeasureSchedule or a
ClientLink. There is no edit or delete: a questionnaire is a record of what was answered that
day; a mistake is entered again (docs/measures.md)."""

import datetime
import hashlib
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Action, Outcome
from audit.services import log_event

from . import catalogue
from .models import (
    LINK_LIFETIME,
    LINK_MAX_REFUSALS,
    Administration,
    AdministrationSource,
    ClientLink,
    Frequency,
    MeasureSchedule,
    SentForm,
)
from .scoring import score, validate_answers

# The earliest day a questionnaire can have been completed: a year such as 0026 is a typo, and
# 0001-01-01 is no day the reports can count weeks back from.
EARLIEST_DAY = datetime.date(1900, 1, 1)


# How long a sent form's key is kept: far longer than any resend of the same page.
SENT_FORM_KEPT = datetime.timedelta(days=2)


class AlreadyRecorded(Exception):
    """This form (its one-time key) was sent before and its questionnaire is stored."""


class LinkInvalid(Exception):
    """The link is unknown, used, expired or refused too often: it fills in nothing."""


def _own(user, client) -> None:
    if user is None or client.therapist_id != user.pk:
        raise PermissionError("Questionnaires are recorded for the therapist's own clients only.")


def _measure(slug: str) -> catalogue.Measure:
    try:
        return catalogue.get_measure(slug)
    except KeyError:
        raise ValueError(f"There is no questionnaire {slug!r}.") from None


def result_of(measure: catalogue.Measure, answers: dict) -> dict:
    """The stored form of a score (Administration.result)."""
    found = score(measure, answers)
    return {
        "total": found.total,
        "status": found.status,
        "answered": found.answered,
        "band": found.band.label if found.band else "",
        "above_cutoff": found.above_cutoff,
        "risk_items": [item.number for item in found.risk_items],
    }


def _stored_answers(measure: catalogue.Measure, answers: dict) -> dict[str, int | None]:
    return {str(number): value for number, value in validate_answers(measure, answers).items()}


@transaction.atomic
def record_administration(
    *,
    client,
    measure_slug: str,
    answers: dict,
    administered_on: datetime.date,
    user,
    source: str = AdministrationSource.THERAPIST,
    request=None,
    form_key: uuid.UUID | None = None,
) -> Administration:
    """Validate, score and store one completed questionnaire. Raises ValueError with a message
    for the person entering it (an unknown questionnaire, item or answer, a date in the
    future, before 1900 or before the client's birth, nothing answered) and PermissionError for
    another therapist's client. ``form_key``, the form's one-time key: AlreadyRecorded if a
    questionnaire was stored with it before (the same form sent twice)."""
    _own(user, client)
    if form_key is not None:
        _use_form_key(form_key)
    return _record(
        client=client,
        measure_slug=measure_slug,
        answers=answers,
        administered_on=administered_on,
        user=user,
        source=source,
        request=request,
    )


def _use_form_key(key: uuid.UUID) -> None:
    """Keep the key with the questionnaire (in its transaction: refused answers leave the form
    usable); a key already kept is the same form sent again."""
    SentForm.objects.filter(sent_at__lt=timezone.now() - SENT_FORM_KEPT).delete()
    try:
        with transaction.atomic():
            SentForm.objects.create(key=key)
    except IntegrityError:
        raise AlreadyRecorded("This questionnaire form was already sent and stored.") from None


def day_problem(day: datetime.date, *, client=None) -> str:
    """Why ``day`` cannot be the day a questionnaire was completed ("" if it can): in the
    future, before 1900, or before the ``client``'s date of birth (when it is known)."""
    if day > timezone.localdate():
        return "The day it was completed cannot be in the future."
    if day < EARLIEST_DAY:
        return "The day it was completed cannot be before 1 January 1900: check the year."
    born = client.date_of_birth if client is not None else None
    if born is not None and day < born:
        return (
            "The day it was completed cannot be before the client's date of birth "
            f"({born.day} {born:%B %Y}): check the year."
        )
    return ""


def _record(*, client, measure_slug, answers, administered_on, user, source, request):
    measure = _measure(measure_slug)
    source = AdministrationSource(source)
    if not isinstance(administered_on, datetime.date) or isinstance(
        administered_on, datetime.datetime
    ):
        raise ValueError("The date the questionnaire was completed is missing.")
    problem = day_problem(administered_on, client=client)
    if problem:
        raise ValueError(problem)
    stored = _stored_answers(measure, answers)
    if all(value is None for value in stored.values()):
        raise ValueError("No question was answered.")
    administration = Administration.objects.create(
        client=client,
        recorded_by=user,
        source=source,
        measure=measure.slug,
        administered_on=administered_on,
        answers=stored,
        result=result_of(measure, stored),
    )
    log_event(action=Action.RECORD_MEASURE, request=request, user=user, obj=administration)
    return administration


@transaction.atomic
def set_schedule(*, client, user, due: dict[str, str], request=None) -> MeasureSchedule:
    """Set which questionnaires are due for the client and how often (an empty ``due``: none).
    Raises ValueError for an unknown questionnaire or frequency."""
    _own(user, client)
    checked = {}
    for slug, frequency in due.items():
        _measure(slug)
        if frequency not in Frequency.values:
            raise ValueError(f"{frequency!r} is not a frequency ({', '.join(Frequency.values)}).")
        checked[slug] = frequency
    order = list(catalogue.all_measures())
    checked = dict(sorted(checked.items(), key=lambda pair: order.index(pair[0])))
    schedule = MeasureSchedule.objects.select_for_update().filter(client=client).first()
    if schedule is None:
        schedule = MeasureSchedule(client=client)
    schedule.due = checked
    schedule.save()
    log_event(action=Action.EDIT_MEASURE_SCHEDULE, request=request, user=user, obj=schedule)
    return schedule


# --- the one-time link ------------------------------------------------------------------------


def token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def create_link(*, client, measure_slug: str, user, request=None) -> tuple[ClientLink, str]:
    """A link for the client to complete one questionnaire, valid for 72 hours and once. The
    raw token is returned here only: the database keeps its sha256."""
    _own(user, client)
    measure = _measure(measure_slug)
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    link = ClientLink.objects.create(
        client=client,
        created_by=user,
        token_hash=token_hash(raw),
        created_at=now,
        expires_at=now + LINK_LIFETIME,
        measure=measure.slug,
    )
    log_event(action=Action.MEASURE_LINK_CREATED, request=request, user=user, obj=link)
    return link, raw


def find_link(raw_token: str) -> ClientLink | None:
    """The link of this token if it can still be used; None if unknown, used, expired or
    refused too often."""
    if not isinstance(raw_token, str) or not raw_token or len(raw_token) > 200:
        return None
    link = (
        ClientLink.objects.filter(token_hash=token_hash(raw_token)).select_related("client").first()
    )
    if link is None or not link.is_usable():
        return None
    return link


@transaction.atomic
def redeem_link(*, raw_token: str, answers: dict, request=None) -> Administration:
    """Store the client's answers through the link, once: the link is locked while it is used,
    so two submissions at the same moment give one record. Recorded as the link's maker's,
    source "link", dated today. Raises LinkInvalid for a link that cannot be used, ValueError
    for answers that do not validate (the link stays usable: see refuse_link)."""
    link = find_link(raw_token)
    if link is None:
        raise LinkInvalid("This link has expired or has already been used.")
    link = (
        ClientLink.objects.select_for_update()
        .select_related("client", "created_by")
        .get(pk=link.pk)
    )
    if not link.is_usable():
        raise LinkInvalid("This link has expired or has already been used.")
    administration = _record(
        client=link.client,
        measure_slug=link.measure,
        answers=answers,
        administered_on=timezone.localdate(),
        user=link.created_by,
        source=AdministrationSource.LINK,
        request=request,
    )
    link.used_at = timezone.now()
    link.save()
    log_event(action=Action.MEASURE_LINK_USED, request=request, user=link.created_by, obj=link)
    return administration


@transaction.atomic
def refuse_link(*, link: ClientLink, request=None) -> ClientLink:
    """Count a refused submission through the link (answers that did not validate), audited
    as refused; at LINK_MAX_REFUSALS the link stops working."""
    link = ClientLink.objects.select_for_update().select_related("client").get(pk=link.pk)
    link.refused_count = min(link.refused_count + 1, LINK_MAX_REFUSALS)
    link.save()
    log_event(
        action=Action.MEASURE_LINK_REFUSED,
        request=request,
        user=link.created_by,
        obj=link,
        outcome=Outcome.DENIED,
    )
    return link
