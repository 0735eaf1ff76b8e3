"""Wall-clock time in the practice's TIME_ZONE and the UTC instants stored."""

import datetime

from django.utils import timezone


def zone():
    return timezone.get_default_timezone()


def aware(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """The instant of a local date and wall-clock time. A time that a spring-forward change
    skips (01:30 in London on the last Sunday of March) is read with the offset before the
    change (fold=0): the appointment shows at 02:30, an hour later on the clock, not lost."""
    return from_naive(datetime.datetime.combine(day, at))


def today() -> datetime.date:
    """Today's date in TIME_ZONE."""
    return local(timezone.now()).date()


def local(instant: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(instant, zone())


def local_naive(instant: datetime.datetime) -> datetime.datetime:
    return local(instant).replace(tzinfo=None)


def from_naive(naive: datetime.datetime) -> datetime.datetime:
    """In UTC, as stored: a wall time read in TIME_ZONE, normalised (a skipped one moves on)."""
    return naive.replace(tzinfo=zone()).astimezone(datetime.UTC)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a local day as instants (23 or 25 hours on a change day)."""
    return aware(day, datetime.time()), aware(day + datetime.timedelta(days=1), datetime.time())
