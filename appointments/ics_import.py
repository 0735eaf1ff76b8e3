"""Importing an existing calendar (.ics): reading the file, expanding its recurring events,
matching each event to one of the therapist's clients, and keeping the result between the
upload and the review step.

What is read (RFC 5545, parsed by the ``icalendar`` library, repeats expanded with
python-dateutil's rrule):

- VEVENTs with a date-time DTSTART. All-day events, events without a DTSTART, events longer
  than ``MAX_DURATION`` (10 hours), cancelled ones (STATUS:CANCELLED) and events repeating more
  often than daily (HOURLY and finer: not appointments) are skipped and counted as such.
- Repeats: RRULE (one or more), RDATE (dates and periods), EXDATE (date-times or whole days),
  and RECURRENCE-ID overrides (a moved or changed occurrence replaces the one it names; a
  cancelled override removes it). Occurrences are computed in the event's own wall-clock time,
  so that 10:00 stays 10:00 across a daylight-saving change.
- Only occurrences in the window ``[now - WINDOW_PAST, now + WINDOW_AHEAD)`` (one year back,
  two years ahead) are imported; a one-off event outside it is counted as skipped, an endless
  repeat simply stops at the window's end.
- Times: a TZID (IANA, Windows names, or a VTIMEZONE in the file) is honoured; a floating time
  (no TZID, or a TZID nobody knows) is read in settings.TIME_ZONE. Stored in UTC.
- An event with no end (DTEND/DURATION absent or not after its start) gets the default length
  of an appointment (50 minutes).

Each occurrence is identified by its calendar UID and its recurrence instant (the original
start of a repeated occurrence, in UTC; empty for a one-off event, so that a one-off moved in
the calendar is still the same appointment). ``import_key`` hashes that with the therapist, so
the same calendar imported twice adds nothing, and the UID itself is never stored.

Between the upload and the review the parsed events (whose summaries may hold client names)
are kept in the therapist's server-side session, sealed with the field-encryption keys
(AES-256-GCM, ``encryption.envelope``) and bound to the therapist and the import's id: nothing
of them is in plaintext in the session table, and a sealed batch cannot be opened by another
user's session. The uploaded file itself is kept in memory only (never a temporary file).
"""

import base64
import datetime
import hashlib
import json
import re
import time
import uuid
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import icalendar
from dateutil import rrule
from django.utils import timezone

from clients.models import Client, fold_text
from encryption.envelope import open_sealed, seal
from encryption.errors import EncryptionError

from . import clock

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DURATION = datetime.timedelta(hours=10)
DEFAULT_MINUTES = 50
WINDOW_PAST = datetime.timedelta(days=365)
WINDOW_AHEAD = datetime.timedelta(days=2 * 365)
# A calendar that expands to more occurrences than this in the window is refused (a practice's
# three years are a few thousand), and so is one whose rules take more steps than this to
# expand (a daily rule from the year 1 would otherwise keep the server busy).
MAX_OCCURRENCES = 50_000
MAX_RULE_STEPS = 1_000_000
SUMMARY_MAX_CHARS = 300
LOCATION_MAX_CHARS = 200
UTC = datetime.UTC
_DATE_PROPERTIES = {"DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID"}
_SUB_DAILY = {"HOURLY", "MINUTELY", "SECONDLY"}
# Parts a daily or weekly rule can combine so that it never gives a date (BYMONTH=2 with
# BYMONTHDAY=30): dateutil would then step day by day to the year 9999. No appointment diary
# needs them with those frequencies: such a rule is skipped.
_DAY_FILTERS = {"BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"}
_MONTH_DAYS = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}
# Expanding all the rules of one file stops with a message after this long.
EXPAND_SECONDS = 5.0
CODE_PATTERN = re.compile(r"(?<![0-9A-Za-z])C-([0-9]{4,12})(?![0-9])", re.IGNORECASE)


class CalendarFileError(ValueError):
    """The file cannot be imported; the message is shown to the user as it is (it never quotes
    the file, whose lines may hold client names)."""


@dataclass(frozen=True)
class Occurrence:
    uid: str
    recurrence: str  # the original start in UTC (YYYYMMDDTHHMMSSZ); "" for a one-off event
    start: datetime.datetime  # aware, UTC
    minutes: int
    summary: str
    location: str


@dataclass
class ParsedCalendar:
    occurrences: list[Occurrence]
    skipped: int


def import_key(therapist, uid: str, recurrence: str) -> str:
    """What Appointment.import_key holds: sha256 of (therapist, UID, recurrence instant)."""
    text = f"{therapist.pk}\x1f{uid}\x1f{recurrence}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    now = now or timezone.now()
    return now - WINDOW_PAST, now + WINDOW_AHEAD


# --- reading the file ---------------------------------------------------------------------


def parse(data: bytes, *, now: datetime.datetime | None = None) -> ParsedCalendar:
    """Every occurrence of the file's events in the window, in start order. Raises
    CalendarFileError for a file that is not a readable iCalendar file."""
    if not data or not data.strip():
        raise CalendarFileError("The file is empty: export the calendar again and upload it.")
    if len(data) > MAX_FILE_BYTES:
        raise CalendarFileError(_too_large_message())
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception:  # icalendar raises ValueError, and others on binary data: all unreadable
        raise CalendarFileError(
            "This file is not a calendar that can be read (iCalendar, .ics): it may be damaged "
            "or cut short. Export the calendar again and upload the new file."
        ) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise CalendarFileError("This file is not an iCalendar (.ics) calendar.")
    events = calendar.walk("VEVENT")
    if not events:
        raise CalendarFileError("The calendar holds no events: there is nothing to import.")
    start, end = window(now)
    reader = _Reader(start, end)
    for number, event in enumerate(events, start=1):
        try:
            reader.add(event)
        except CalendarFileError as error:
            raise CalendarFileError(f"Event {number} of the file: {error}") from None
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError):
            raise CalendarFileError(
                f"Event {number} of the file has a date, time or repeat rule that cannot be "
                "read. Export the calendar again and upload the new file."
            ) from None
    occurrences = reader.finish()
    return ParsedCalendar(occurrences=occurrences, skipped=reader.skipped)


def _too_large_message() -> str:
    return (
        f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. Export a shorter "
        "period of the calendar (for example the last year and what is ahead)."
    )


def _text(event, name: str, limit: int) -> str:
    value = event.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value).split())[:limit]


def _utc_stamp(instant: datetime.datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class _Master:
    event: object
    start: datetime.datetime  # aware, in the event's zone (or TIME_ZONE when floating)
    minutes: int
    overrides: dict[str, object] = field(default_factory=dict)


class _Reader:
    def __init__(self, start: datetime.datetime, end: datetime.datetime):
        self.start, self.end = start, end
        self.skipped = 0
        self.steps = 0
        self.deadline = time.monotonic() + EXPAND_SECONDS
        self.masters: dict[str, _Master] = {}
        self.overrides: dict[str, dict[str, tuple[object, datetime.datetime]]] = defaultdict(dict)
        self.occurrences: dict[tuple[str, str], Occurrence] = {}

    # one VEVENT ------------------------------------------------------------------------------

    def add(self, event) -> None:
        broken = [
            name for name, _message in getattr(event, "errors", []) if name in _DATE_PROPERTIES
        ]
        if broken:
            raise CalendarFileError(
                f"its {broken[0]} is not a valid date or time. Export the calendar again and "
                "upload the new file."
            )
        uid = _text(event, "UID", 1000) or _uid_of(event)
        recurrence_id = event.get("RECURRENCE-ID")
        if recurrence_id is not None:
            instant = _as_instant(recurrence_id.dt)
            if instant is None:  # an all-day occurrence
                self.skipped += 1
                return
            self.overrides[uid][_utc_stamp(instant)] = event
            return
        if uid in self.masters:  # the same event twice in one file: the first counts
            return
        start = self._start_of(event)
        if start is None:
            return
        minutes = self._minutes_of(event, start)
        if minutes is None:
            return
        if _cancelled(event):
            self.skipped += 1
            return
        self.masters[uid] = _Master(event=event, start=start, minutes=minutes)

    def _start_of(self, event) -> datetime.datetime | None:
        prop = event.get("DTSTART")
        if prop is None:
            self.skipped += 1
            return None
        value = prop.dt
        if not isinstance(value, datetime.datetime):  # all day
            self.skipped += 1
            return None
        return _aware(value)

    def _minutes_of(self, event, start: datetime.datetime, default=None) -> int | None:
        length = default
        if event.get("DTEND") is not None:
            end = event["DTEND"].dt
            if not isinstance(end, datetime.datetime):
                end = datetime.datetime.combine(end, datetime.time(), tzinfo=start.tzinfo)
            length = _aware(end) - start
        elif event.get("DURATION") is not None:
            length = event["DURATION"].dt
            if not isinstance(length, datetime.timedelta):
                length = None
        if length is not None and length > MAX_DURATION:
            self.skipped += 1
            return None
        return _minutes(length)

    # the occurrences -------------------------------------------------------------------------

    def finish(self) -> list[Occurrence]:
        for uid, master in self.masters.items():
            overrides = self.overrides.pop(uid, {})
            if _repeats(master.event):
                self._expand(uid, master, overrides)
            elif overrides:
                # An event that does not repeat has one occurrence: the override (of its start,
                # or any) replaces it, and it stays a one-off (the same import key).
                event = overrides.get(_utc_stamp(master.start)) or next(iter(overrides.values()))
                self._override(uid, "", event, master)
            else:
                self._one_off(uid, master)
        for uid, orphans in self.overrides.items():  # occurrences sent without their event
            for stamp, event in orphans.items():
                self._override(uid, stamp, event, None)
        found = sorted(self.occurrences.values(), key=lambda item: (item.start, item.uid))
        return found

    def _keep(self, occurrence: Occurrence) -> None:
        if len(self.occurrences) >= MAX_OCCURRENCES:
            raise CalendarFileError(
                f"the calendar has more than {MAX_OCCURRENCES:,} appointments in the two years "
                "ahead and the year past: export a shorter period."
            )
        self.occurrences[(occurrence.uid, occurrence.recurrence)] = occurrence

    def _in_window(self, instant: datetime.datetime) -> bool:
        return self.start <= instant < self.end

    def _occurrence(self, uid, recurrence, start, minutes, event, fallback=None) -> Occurrence:
        summary = _text(event, "SUMMARY", SUMMARY_MAX_CHARS)
        location = _text(event, "LOCATION", LOCATION_MAX_CHARS)
        if fallback is not None:
            summary = summary or _text(fallback, "SUMMARY", SUMMARY_MAX_CHARS)
            location = location or _text(fallback, "LOCATION", LOCATION_MAX_CHARS)
        return Occurrence(
            uid=uid,
            recurrence=recurrence,
            start=start.astimezone(UTC),
            minutes=minutes,
            summary=summary,
            location=location,
        )

    def _one_off(self, uid: str, master: _Master) -> None:
        if not self._in_window(master.start):
            self.skipped += 1
            return
        self._keep(self._occurrence(uid, "", master.start, master.minutes, master.event))

    def _override(self, uid: str, stamp: str, event, master: _Master | None) -> None:
        """A RECURRENCE-ID component: the occurrence it names, changed (or cancelled)."""
        if _cancelled(event):
            self.occurrences.pop((uid, stamp), None)
            self.skipped += 1
            return
        start = self._start_of(event)
        if start is None:
            return
        # Without an end of its own, the occurrence lasts as long as the event's others.
        usual = datetime.timedelta(minutes=master.minutes) if master is not None else None
        minutes = self._minutes_of(event, start, usual)
        if minutes is None:
            return
        if not self._in_window(start):
            self.occurrences.pop((uid, stamp), None)
            return
        fallback = master.event if master is not None else None
        self._keep(self._occurrence(uid, stamp, start, minutes, event, fallback))

    def _expand(self, uid: str, master: _Master, overrides: dict) -> None:
        event, first = master.event, master.start
        zone = first.tzinfo
        naive_first = first.replace(tzinfo=None)
        low = self.start.astimezone(zone).replace(tzinfo=None) - datetime.timedelta(days=1)
        high = self.end.astimezone(zone).replace(tzinfo=None) + datetime.timedelta(days=1)
        starts: set[datetime.datetime] = set()
        if low <= naive_first <= high:
            starts.add(naive_first)
        for recur in event.rrules:
            if set(recur.get("FREQ", [])) & _SUB_DAILY or _may_never_occur(recur):
                self.skipped += 1
                return
            if time.monotonic() > self.deadline:
                raise CalendarFileError(
                    "its repeat rules take too long to expand: export a shorter period."
                )
            starts.update(self._rule_starts(recur, naive_first, zone, low, high))
        periods: dict[datetime.datetime, int] = {}
        for rdate, rdate_end in event.rdates:
            if not isinstance(rdate, datetime.datetime):
                continue
            naive = _naive_in(rdate, zone)
            if low <= naive <= high:
                starts.add(naive)
                if isinstance(rdate_end, datetime.datetime):
                    periods[naive] = _minutes(_aware(rdate_end) - _aware(rdate))
                elif isinstance(rdate_end, datetime.timedelta):
                    periods[naive] = _minutes(rdate_end)
        excluded_days = set()
        for exdate in event.exdates:
            if isinstance(exdate, datetime.datetime):
                starts.discard(_naive_in(exdate, zone))
            else:
                excluded_days.add(exdate)
        for naive in sorted(starts):
            if naive.date() in excluded_days:
                continue
            instant = naive.replace(tzinfo=zone)
            stamp = _utc_stamp(instant)
            if stamp in overrides:
                continue
            if self._in_window(instant):
                minutes = periods.get(naive, master.minutes)
                self._keep(self._occurrence(uid, stamp, instant, minutes, event))
        for stamp, override in overrides.items():
            self._override(uid, stamp, override, master)

    def _rule_starts(self, recur, naive_first, zone, low, high):
        parts = {key: value for key, value in recur.items() if key != "UNTIL"}
        rule = rrule.rrulestr(icalendar.vRecur(parts).to_ical().decode(), dtstart=naive_first)
        if recur.get("UNTIL"):
            until = recur["UNTIL"][0]
            if isinstance(until, datetime.datetime):
                until = _naive_in(until, zone) if until.tzinfo else until
            else:
                until = datetime.datetime.combine(until, datetime.time.max)
            rule = rule.replace(until=until)
        found = []
        for naive in rule:
            self.steps += 1
            if self.steps > MAX_RULE_STEPS:
                raise CalendarFileError(
                    "its repeat rule has too many occurrences to expand: export a shorter period."
                )
            if naive > high:
                break
            if naive >= low:
                found.append(naive)
        return found


def _may_never_occur(recur) -> bool:
    """A rule that may give no date at all, which dateutil would search for until the year
    9999: a daily or weekly one filtered by day of month or year, week number or position, or
    any whose days of the month exist in none of its months (30 February)."""
    frequency = set(recur.get("FREQ", []))
    if frequency & {"DAILY", "WEEKLY"} and _DAY_FILTERS & set(recur):
        return True
    months = [m for m in map(_number, recur.get("BYMONTH", [])) if m and 1 <= abs(m) <= 12]
    days = [d for d in map(_number, recur.get("BYMONTHDAY", [])) if d is not None]
    if months and days and all(d > 0 for d in days):
        longest = max(_MONTH_DAYS[abs(m)] for m in months)
        return min(days) > longest
    return False


def _number(value) -> int | None:
    try:
        return int(str(value).rstrip("Ll"))  # a BYMONTH may be a leap month, "5L"
    except ValueError:
        return None


def _repeats(event) -> bool:
    return event.get("RRULE") is not None or event.get("RDATE") is not None


def _cancelled(event) -> bool:
    return str(event.get("STATUS", "")).strip().upper() == "CANCELLED"


def _uid_of(event) -> str:
    """A stand-in UID for an event that has none (RFC 5545 requires one): its start and summary,
    hashed, so that importing the same file twice still finds it."""
    start = event.get("DTSTART")
    text = f"{start.to_ical().decode() if start is not None else ''}\x1f{event.get('SUMMARY', '')}"
    return "no-uid-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A floating time is wall-clock time in TIME_ZONE."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return clock.from_naive(value.replace(tzinfo=None))
    return value


def _naive_in(value: datetime.datetime, zone) -> datetime.datetime:
    return _aware(value).astimezone(zone).replace(tzinfo=None)


def _as_instant(value) -> datetime.datetime | None:
    if not isinstance(value, datetime.datetime):
        return None
    return _aware(value)


def _minutes(length: datetime.timedelta | None) -> int:
    if length is None or length <= datetime.timedelta(0):
        return DEFAULT_MINUTES
    return max(1, round(length.total_seconds() / 60))


# --- matching events to clients -------------------------------------------------------------


def _squeeze(text: str) -> str:
    return " ".join(fold_text(text).split())


class Matcher:
    """The therapist's own clients, by code (C-0007 anywhere in the summary) and by name (the
    full or preferred name, case- and accent-insensitive, as whole words). Two clients found is
    no match: the review step asks."""

    def __init__(self, clients):
        self.clients = list(clients)
        self.by_number = {client.number: client for client in self.clients}
        self.names: list[tuple[str, re.Pattern, Client]] = []
        for client in self.clients:
            for name in {_squeeze(client.full_name), _squeeze(client.preferred_name)}:
                if len(name) >= 2:
                    pattern = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")
                    self.names.append((name, pattern, client))
        self._cache: dict[str, Client | None] = {}

    @classmethod
    def for_therapist(cls, therapist) -> "Matcher":
        return cls(Client.objects.for_therapist(therapist))

    def match(self, summary: str) -> Client | None:
        if summary not in self._cache:
            self._cache[summary] = self._match(summary)
        return self._cache[summary]

    def _match(self, summary: str) -> Client | None:
        numbers = {int(found) for found in CODE_PATTERN.findall(summary)}
        by_code = {self.by_number[n].pk: self.by_number[n] for n in numbers if n in self.by_number}
        if by_code:
            return next(iter(by_code.values())) if len(by_code) == 1 else None
        text = _squeeze(summary)
        spans: dict = defaultdict(list)
        found: dict = {}
        for name, pattern, client in self.names:
            if name not in text:
                continue
            for hit in pattern.finditer(text):
                spans[client.pk].append(hit.span())
                found[client.pk] = client
        if len(found) > 1:
            # A name inside another client's longer name ("Ann" in "Ann Lee") is not a match.
            found = {
                pk: client
                for pk, client in found.items()
                if not all(_inside(span, spans, pk) for span in spans[pk])
            }
        return next(iter(found.values())) if len(found) == 1 else None


def _inside(span, spans, own_pk) -> bool:
    start, end = span
    return any(
        other_start <= start and end <= other_end and (other_end - other_start) > (end - start)
        for pk, others in spans.items()
        if pk != own_pk
        for other_start, other_end in others
    )


# --- the batch kept between upload and review ---------------------------------------------

SESSION_KEY = "appointments.calendar_import"
_LABEL = "appointments.calendar_import.batch"
BATCH_VERSION = 1


@dataclass
class Event:
    """One occurrence of the uploaded calendar, as the review and the import see it."""

    uid: str
    recurrence: str
    start: datetime.datetime
    minutes: int
    summary: str
    location: str
    client_id: str  # the matched client's pk, "" when unmatched


@dataclass
class Group:
    """The unmatched events that share a summary (compared case- and accent-insensitively)."""

    index: int
    summary: str
    events: list[Event]

    @property
    def field_name(self) -> str:
        return f"group-{self.index}"

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def first(self) -> datetime.datetime:
        return self.events[0].start

    @property
    def last(self) -> datetime.datetime:
        return self.events[-1].start


@dataclass
class Batch:
    id: str
    events: list[Event]
    skipped: int

    @property
    def matched(self) -> list[Event]:
        return [event for event in self.events if event.client_id]

    def groups(self) -> list[Group]:
        """The unmatched events by summary, the largest group first (the order, and so each
        group's index, depends only on the batch)."""
        grouped: dict[str, list[Event]] = defaultdict(list)
        for event in self.events:
            if not event.client_id:
                grouped[_squeeze(event.summary)].append(event)
        ordered = sorted(
            grouped.values(), key=lambda events: (-len(events), _squeeze(events[0].summary))
        )
        return [
            Group(index=index, summary=events[0].summary, events=events)
            for index, events in enumerate(ordered)
        ]

    def matched_counts(self) -> Counter:
        return Counter(event.client_id for event in self.events if event.client_id)


def match_all(parsed: ParsedCalendar, matcher: Matcher) -> Batch:
    events = []
    for item in parsed.occurrences:
        client = matcher.match(item.summary)
        events.append(
            Event(
                uid=item.uid,
                recurrence=item.recurrence,
                start=item.start,
                minutes=item.minutes,
                summary=item.summary,
                location=item.location,
                client_id=str(client.pk) if client is not None else "",
            )
        )
    return Batch(id=uuid.uuid4().hex, events=events, skipped=parsed.skipped)


def to_import(
    batch: Batch,
    therapist,
    *,
    chosen: dict[int, str] | None = None,
    start: int = 0,
    stop: int | None = None,
    clients=None,
) -> tuple[list, int]:
    """(the ImportedEvents of batch.events[start:stop], how many of them have no client).
    ``chosen``: {group index: client pk} from the review step. Only the therapist's own
    clients are used (``clients``, when already loaded, are theirs): an id of anyone else's
    (or of a client since erased) is no client."""
    from .services import ImportedEvent

    if clients is None:
        clients = Client.objects.for_therapist(therapist)
    clients = {str(client.pk): client for client in clients if client.therapist_id == therapist.pk}
    assigned = {}
    for group in batch.groups() if chosen else []:
        if group.index in chosen:
            for event in group.events:
                assigned[id(event)] = chosen[group.index]
    events, unmatched = [], 0
    for event in batch.events[start:stop]:
        client = clients.get(event.client_id or assigned.get(id(event), ""))
        if client is None:
            unmatched += 1
            continue
        events.append(
            ImportedEvent(
                client=client,
                start=event.start,
                duration_minutes=event.minutes,
                import_key=import_key(therapist, event.uid, event.recurrence),
                location=event.location,
            )
        )
    return events, unmatched


def _binding(therapist) -> str:
    return f"therapist_id={therapist.pk}"


def seal_batch(batch: Batch, therapist) -> str:
    """The batch, compressed and encrypted for this therapist (base64 text for the session)."""
    rows = [
        [
            e.uid,
            e.recurrence,
            int(e.start.timestamp()),
            e.minutes,
            e.summary,
            e.location,
            e.client_id,
        ]
        for e in batch.events
    ]
    payload = json.dumps(
        {"v": BATCH_VERSION, "id": batch.id, "skipped": batch.skipped, "events": rows},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8", "surrogatepass")
    sealed = seal(
        zlib.compress(payload, 6), label=_LABEL, row_id=batch.id, binding=_binding(therapist)
    )
    return base64.b64encode(sealed).decode("ascii")


def open_batch(stored, therapist) -> Batch | None:
    """The batch kept in the session, or None when there is none or it cannot be opened (kept
    by another user, a key since removed, or damaged)."""
    if not isinstance(stored, dict):
        return None
    batch_id, text = stored.get("id"), stored.get("sealed")
    if not isinstance(batch_id, str) or not isinstance(text, str):
        return None
    try:
        sealed = base64.b64decode(text, validate=True)
        payload = zlib.decompress(
            open_sealed(sealed, label=_LABEL, row_id=batch_id, binding=_binding(therapist))
        )
        data = json.loads(payload.decode("utf-8", "surrogatepass"))
    except (ValueError, zlib.error, EncryptionError):
        return None
    if data.get("v") != BATCH_VERSION or data.get("id") != batch_id:
        return None
    events = [
        Event(
            uid=uid,
            recurrence=recurrence,
            start=datetime.datetime.fromtimestamp(stamp, tz=UTC),
            minutes=minutes,
            summary=summary,
            location=location,
            client_id=client_id,
        )
        for uid, recurrence, stamp, minutes, summary, location, client_id in data["events"]
    ]
    return Batch(id=batch_id, events=events, skipped=data["skipped"])


def keep_batch(session, batch: Batch, therapist) -> None:
    session[SESSION_KEY] = {"id": batch.id, "sealed": seal_batch(batch, therapist)}


def kept_batch(session, therapist) -> Batch | None:
    return open_batch(session.get(SESSION_KEY), therapist)


def forget_batch(session) -> None:
    session.pop(SESSION_KEY, None)
