"""The dates a series repeats on, with python-dateutil's rrule, in local wall-clock time."""

import datetime
from dataclasses import dataclass, field

from dateutil import rrule

from . import clock
from .models import Frequency

# A series is bounded: an end date at most MAX_YEARS after its first appointment, or a count of
# at most MAX_OCCURRENCES (a weekly client for two years is 104).
MAX_OCCURRENCES = 260
MAX_YEARS = 3


class RecurrenceError(ValueError):
    """A repeat rule that cannot be used; the message is shown to the user."""


@dataclass(frozen=True)
class Repeat:
    frequency: Frequency
    until: datetime.date | None = None
    count: int | None = None
    skipped: frozenset[datetime.date] = field(default_factory=frozenset)


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _rule(first: datetime.datetime, repeat: Repeat) -> rrule.rrule:
    kwargs = {"dtstart": first}
    if repeat.frequency == Frequency.WEEKLY:
        kwargs.update(freq=rrule.WEEKLY, interval=1)
    elif repeat.frequency == Frequency.FORTNIGHTLY:
        kwargs.update(freq=rrule.WEEKLY, interval=2)
    elif repeat.frequency == Frequency.MONTHLY:
        kwargs.update(freq=rrule.MONTHLY, interval=1)
        if first.day > 28:
            # The 31st in a 30-day month is the 30th (the month's last day), not no session.
            kwargs.update(bymonthday=tuple(range(28, first.day + 1)), bysetpos=-1)
    else:
        raise RecurrenceError("Choose weekly, fortnightly or monthly.")
    # Never further than MAX_YEARS: with a count alone, the rule runs until it has that many
    # appointments that are not skipped (local_starts), within that bound.
    until = repeat.until or _years_later(first.date(), MAX_YEARS)
    kwargs["until"] = datetime.datetime.combine(until, datetime.time.max)
    return rrule.rrule(**kwargs)


def local_starts(first: datetime.datetime, repeat: Repeat) -> list[datetime.datetime]:
    """The naive local starts of every occurrence, ``first`` (naive local) included, skipped
    dates left out. ``count`` is the number of appointments booked (a skipped date does not use
    one up), ``until`` the last day there may be one."""
    if repeat.until is None and repeat.count is None:
        raise RecurrenceError("Give an end date or a number of appointments for the series.")
    if repeat.until is not None and repeat.until < first.date():
        raise RecurrenceError("The series' end date is before its first appointment.")
    if repeat.count is not None and not 1 <= repeat.count <= MAX_OCCURRENCES:
        raise RecurrenceError(f"A series has between 1 and {MAX_OCCURRENCES} appointments.")
    if repeat.until is not None and repeat.until > _years_later(first.date(), MAX_YEARS):
        raise RecurrenceError(f"A series can run for at most {MAX_YEARS} years.")
    # Bounded by the end date (at most MAX_YEARS: 157 weekly appointments) and the count.
    found = []
    for start in _rule(first, repeat):
        if start.date() in repeat.skipped:
            continue
        found.append(start)
        if repeat.count is not None and len(found) == repeat.count:
            break
    return found


def starts(first: datetime.datetime, repeat: Repeat) -> list[datetime.datetime]:
    """The aware starts of every occurrence of a series whose first start is ``first`` (aware):
    the same wall-clock time on each date, whatever the UTC offset that day."""
    return [clock.from_naive(start) for start in local_starts(clock.local_naive(first), repeat)]
