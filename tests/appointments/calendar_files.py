"""Calendar files (.ics) for the import tests, written line by line as calendar programs do."""

import datetime

from django.utils import timezone

UTC = datetime.UTC


def stamp(moment: datetime.datetime) -> str:
    """A DATE-TIME value: local (naive) as is, an aware one in UTC with a Z."""
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def at(moment: datetime.datetime, name: str, tzid: str | None = "Europe/London") -> str:
    """``DTSTART;TZID=Europe/London:20270315T100000`` (naive moment), or UTC / floating."""
    if moment.tzinfo is None and tzid:
        return f"{name};TZID={tzid}:{stamp(moment)}"
    return f"{name}:{stamp(moment)}"


def vevent(
    uid: str,
    start: datetime.datetime | None,
    *,
    minutes: int | None = 50,
    summary: str = "",
    tzid: str | None = "Europe/London",
    lines: tuple[str, ...] = (),
) -> list[str]:
    body = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z"]
    if start is not None:
        body.append(at(start, "DTSTART", tzid))
        if minutes is not None:
            body.append(at(start + datetime.timedelta(minutes=minutes), "DTEND", tzid))
    if summary:
        body.append(f"SUMMARY:{summary}")
    return [*body, *lines, "END:VEVENT"]


def calendar(*events: list[str]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//calendar import//EN"]
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def local_now_plus(days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A naive wall-clock time `days` from today (inside the import window)."""
    today = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(today, datetime.time(hour, minute))
