"""The therapist's calendar feed: an ICS file of their appointments, at a secret address.

What a calendar program is given, and nothing more: for each appointment from 60 days ago to 400
days ahead, a stable UID, its start and end in UTC, whether it is off, and a label for the
client: the client code (C-0007) or, if the therapist chose so, the initials of the client's
full name ("A. B."). Never a name, a location, a reason, a remark, a modality or a note: a
calendar service keeps what it is sent, and shows it on lock screens.

Cancelled, late-cancelled and no-show appointments stay in the feed, marked ``STATUS:CANCELLED``
(the three are not told apart): a calendar that already holds the event by its UID learns that
it is off, rather than keeping a stale slot, and it tells the calendar nothing that the event
disappearing would not.

The address holds a token of 256 random bits (``secrets.token_urlsafe(32)``); only its SHA-256 is
stored (``CalendarFeed.token_hash``), so that the database does not hold a working address.
Making a new address replaces the hash (the old address stops working); turning the feed off
clears it. Every fetch is audited, refused ones too, never with the token.
"""

import datetime
import hashlib
import logging
import re
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Parameters, vDatetime, vText
from icalendar.parser import Contentline

from accounts.models import Account
from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client

from .models import NOT_HELD_STATUSES, Appointment, CalendarFeed, FeedLabel

logger = logging.getLogger(__name__)
# Refused fetches are audited up to this many per minute from one address; beyond that they are
# only counted in the server log, so that anyone guessing addresses cannot flood the audit log.
REFUSALS_AUDITED_PER_MINUTE = 20

PRODID = "-//Therapy Notes//Appointments//EN"
CALENDAR_NAME = "Appointments"
UID_DOMAIN = "therapy-notes"
DAYS_BEFORE = 60
DAYS_AHEAD = 400
TOKEN_BYTES = 32
# What secrets.token_urlsafe(32) gives: 43 characters of the URL-safe base64 alphabet.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
OBJECT_TYPE = "calendar_feed"


# --- the feed -------------------------------------------------------------------------------


def initials(full_name: str) -> str:
    """ "A. B." from "Anna Maria Bell": the first letter of the first and of the last word.
    Only letters are used (no digits, punctuation or control characters); a name without any
    gives ""."""
    words = [word for word in full_name.split() if any(ch.isalpha() for ch in word)]
    if not words:
        return ""
    firsts = [next(ch for ch in word if ch.isalpha()).upper() for word in words]
    picked = firsts[:1] + firsts[1:][-1:]
    return " ".join(f"{letter}." for letter in picked)


def _labels(client_ids: set, label: str) -> dict:
    """{client id: the text of its events}, each client read (and decrypted) once."""
    clients = Client.objects.filter(pk__in=client_ids)
    if label == FeedLabel.INITIALS:
        return {client.pk: initials(client.full_name) or client.code for client in clients}
    return {client.pk: client.code for client in clients}


def window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """[first, last) start of the appointments a feed built at ``now`` holds."""
    return (
        now - datetime.timedelta(days=DAYS_BEFORE),
        now + datetime.timedelta(days=DAYS_AHEAD),
    )


def _line(name: str, value) -> bytes:
    """One content line, the value serialized (escaped, UTC-formatted) by icalendar; folded by
    icalendar's Contentline when longer than 75 octets (no line of the feed is, in practice)."""
    line = name.encode() + b":" + value.to_ical()
    if len(line) <= 75:
        return line
    return Contentline.from_parts(name, Parameters(), value).to_ical()


def _calendar() -> tuple[bytes, bytes]:
    """The VCALENDAR's own lines, as icalendar writes them, split around where events go."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    whole, end = calendar.to_ical(), b"END:VCALENDAR\r\n"
    if not whole.endswith(end):
        raise RuntimeError("icalendar ended the calendar in an unexpected way")
    return whole.removesuffix(end), end


def build_feed(therapist, *, now: datetime.datetime | None = None) -> bytes:
    """The therapist's feed as ICS bytes (UTF-8, CRLF line ends).

    The events' content lines are joined here from values icalendar serializes: building
    2,000 ``icalendar.Event`` components and calling ``to_ical`` took five times as long
    (about 200 ms of the 300 ms budget, bench/bench_calendar_feed.py) for the same events.
    tests/appointments/test_feed.py parses the feed back with icalendar and compares it with
    what the components would write."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    feed = CalendarFeed.objects.filter(therapist=therapist).first()
    label = feed.label if feed is not None else FeedLabel.CODES
    first, last = window(now)
    appointments = list(
        Appointment.objects.for_therapist(therapist).between(first, last).order_by("start", "id")
    )
    labels = _labels({item.client_id for item in appointments}, label)

    # What events share is serialized once.
    stamp = _line("DTSTAMP", vDatetime(now.replace(microsecond=0)))
    summaries = {client_id: _line("SUMMARY", vText(text)) for client_id, text in labels.items()}
    confirmed = _line("STATUS", vText("CONFIRMED"))
    cancelled = _line("STATUS", vText("CANCELLED"))
    head, end = _calendar()
    parts = [head]
    for appointment in appointments:
        start = appointment.start.astimezone(datetime.UTC)
        finish = start + datetime.timedelta(minutes=appointment.duration_minutes)
        lines = (
            b"BEGIN:VEVENT",
            _line("UID", vText(f"{appointment.id}@{UID_DOMAIN}")),
            stamp,
            _line("DTSTART", vDatetime(start)),
            _line("DTEND", vDatetime(finish)),
            summaries[appointment.client_id],
            cancelled if appointment.status in NOT_HELD_STATUSES else confirmed,
            b"END:VEVENT",
            b"",
        )
        parts.append(b"\r\n".join(lines))
    parts.append(end)
    return b"".join(parts)


# --- the secret address ---------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(therapist) -> CalendarFeed:
    """The therapist's feed settings (unsaved, turned off, if they never made one)."""
    return CalendarFeed.objects.filter(therapist=therapist).first() or CalendarFeed(
        therapist=therapist
    )


@transaction.atomic
def renew(*, therapist, request=None) -> str:
    """Make a new address (turning the feed on): the token, to be shown once. Any earlier
    address stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed, _ = CalendarFeed.objects.select_for_update().get_or_create(therapist=therapist)
    feed.token_hash = token_hash(token)
    feed.created_at = timezone.now()
    feed.revoked_at = None
    feed.save()
    log_event(
        action=Action.FEED_RENEWED,
        request=request,
        user=therapist,
        obj=feed,
        object_type=OBJECT_TYPE,
    )
    return token


@transaction.atomic
def revoke(*, therapist, request=None) -> bool:
    """Turn the feed off: its address stops working. False if it was not on."""
    feed = CalendarFeed.objects.select_for_update().filter(therapist=therapist).first()
    if feed is None or not feed.is_active:
        return False
    feed.token_hash = ""
    feed.revoked_at = timezone.now()
    feed.save()
    log_event(
        action=Action.FEED_REVOKED,
        request=request,
        user=therapist,
        obj=feed,
        object_type=OBJECT_TYPE,
    )
    return True


def set_label(*, therapist, label: str) -> CalendarFeed:
    """Codes or initials, for the feed's events (kept when the address is renewed)."""
    feed, _ = CalendarFeed.objects.get_or_create(therapist=therapist)
    feed.label = FeedLabel(label)
    feed.save(update_fields=["label"])
    return feed


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed whose address holds ``token``, if its owner may still have one (an
    active account, not a practice administrator)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    feed = (
        CalendarFeed.objects.select_related("therapist")
        .filter(token_hash=token_hash(token))
        .exclude(token_hash="")
        .first()
    )
    if feed is None or not feed.therapist.is_active:
        return None
    # A read, not Account.for_user (which would make the row on an anonymous GET).
    if Account.objects.filter(user=feed.therapist, is_practice_admin=True).exists():
        return None
    return feed


def fetch(token: str, *, request=None) -> bytes | None:
    """The feed of the address holding ``token`` (None: no such address), audited either way:
    the owner's fetch as theirs, a refused one with no user; never the token."""
    feed = feed_for_token(token)
    if feed is None:
        if _refusal_audited(request):
            log_event(
                action=Action.FEED_FETCHED,
                request=request,
                object_type=OBJECT_TYPE,
                outcome=Outcome.DENIED,
            )
        else:
            logger.warning("Calendar feed: refused fetches over the audited rate (not audited).")
        return None
    body = build_feed(feed.therapist)
    log_event(
        action=Action.FEED_FETCHED,
        request=request,
        user=feed.therapist,
        obj=feed,
        object_type=OBJECT_TYPE,
    )
    return body


def _refusal_audited(request) -> bool:
    """Whether this refused fetch is still within the audited rate of its address (the cache
    counts per client address and minute; per worker with the default local-memory cache)."""
    address = (request.META.get("REMOTE_ADDR") if request is not None else "") or "-"
    key = f"calendar-feed-refused:{address}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        count = 1
    return count <= REFUSALS_AUDITED_PER_MINUTE
