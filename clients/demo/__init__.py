"""Demo and benchmark data: fictional clients and sessions, never real people.

``seed_demo_therapist()`` loads the hand-written caseload in ``stories.py`` for the ``demo``
account; ``generator.seed_bench_therapists()`` generates large caseloads for benchmarks. Both are
idempotent: a therapist who already has clients is left untouched.
"""

import datetime
import itertools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.models import Client, ClientStatus
from clients.services import create_client
from sessions.models import FORMAT_SECTIONS, NoteFormat, RiskLevel, TherapySession
from themes.models import Theme

from .stories import CLIENTS, DEMO_THERAPIST

NOTE_MIN_CHARS = 300
NOTE_MAX_CHARS = 3_000


class DemoDataError(ValueError):
    """The demo data cannot be loaded; the message is one readable line."""


@dataclass
class DemoReport:
    username: str
    password: str
    user_created: bool
    password_matches: bool
    seeded: bool
    clients: int
    sessions: int


def _shift_to_weekday(day: datetime.date) -> datetime.date:
    """Move a Saturday to the Friday before and a Sunday to the Monday after.

    Appointments then fall on weekdays. Every offset is at least a day, so a Sunday moved
    forward is never later than today.
    """
    weekday = day.weekday()
    if weekday == 5:
        return day - datetime.timedelta(days=1)
    if weekday == 6:
        return day + datetime.timedelta(days=1)
    return day


def _date(today: datetime.date, days_ago: int) -> datetime.date:
    return _shift_to_weekday(today - datetime.timedelta(days=days_ago))


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def check_story(story: dict, theme_ids: dict[str, int]) -> None:
    """Raise DemoDataError if a hand-written client or session breaks the model's rules."""
    name = story["client"]["full_name"]
    sessions = story["sessions"]
    offsets = [session["days_ago"] for session in sessions]
    gaps = [earlier - later for earlier, later in itertools.pairwise(offsets)]
    if any(gap < 2 for gap in gaps) or offsets[-1] < 1:
        # Weekend dates move by a day, so sessions need two days between them to keep order.
        raise DemoDataError(
            f"{name}: sessions must be listed oldest first, at least two days apart, "
            "and at least a day ago."
        )
    if story["intake_days_ago"] < offsets[0]:
        raise DemoDataError(f"{name}: the intake date is after the first session.")
    for number, session in enumerate(sessions, start=1):
        where = f"{name}, session {number}"
        sections = FORMAT_SECTIONS[NoteFormat(session["format"])]
        if list(session["note"]) != list(sections):
            raise DemoDataError(f"{where}: note sections do not match {session['format']}.")
        total = sum(len(text) for text in session["note"].values())
        if not NOTE_MIN_CHARS <= total <= NOTE_MAX_CHARS:
            raise DemoDataError(f"{where}: note is {total} characters (300-3,000 expected).")
        if session["risk"] not in RiskLevel.values:
            raise DemoDataError(f"{where}: unknown risk level {session['risk']!r}.")
        for slug, intensity in session["themes"]:
            if slug not in theme_ids:
                raise DemoDataError(f"{where}: theme {slug!r} is not in the taxonomy.")
            if intensity not in (1, 2, 3):
                raise DemoDataError(f"{where}: intensity {intensity} is not 1, 2 or 3.")


def _build_sessions(
    story: dict, client: Client, theme_ids: dict[str, int], today: datetime.date
) -> list[TherapySession]:
    tz = timezone.get_current_timezone()
    defaults = story["defaults"]
    rows: list[TherapySession] = []
    planned = []
    for session in story["sessions"]:
        start = _time(session.get("start_time", defaults["start_time"]))
        planned.append((_date(today, session["days_ago"]), start, session))
    for position, (day, start, session) in enumerate(planned):
        if position + 1 < len(planned):
            next_day, next_start, _ = planned[position + 1]
        elif client.status == ClientStatus.ACTIVE:
            # The next booking after the last note lies in the future, at the usual cadence.
            next_day, next_start = day, start
            while next_day <= today:
                next_day = _shift_to_weekday(
                    next_day + datetime.timedelta(days=story["cadence_days"])
                )
        else:
            next_day = None
        rows.append(
            TherapySession(
                client=client,
                date=day,
                start_time=start,
                duration_minutes=session.get("duration_minutes", defaults["duration_minutes"]),
                session_type=session.get("session_type", defaults["session_type"]),
                modality=session.get("modality", defaults["modality"]),
                note_format=session["format"],
                next_appointment=(
                    datetime.datetime.combine(next_day, next_start, tzinfo=tz) if next_day else None
                ),
                note=dict(session["note"]),
                mood_affect=session["mood"],
                risk_level=session["risk"],
                risk_notes=session["risk_notes"],
                interventions=session["interventions"],
                plan=session["plan"],
                themes=[
                    {"theme": theme_ids[slug], "intensity": intensity}
                    for slug, intensity in session["themes"]
                ],
            )
        )
    return rows


def _sign_like_a_clinician(rows: list[TherapySession], user, *, unsigned_latest: bool) -> None:
    """Notes are signed the evening after the session; the newest one of the first client is
    left as a draft so the dashboard shows an unsigned note."""
    tz = timezone.get_current_timezone()
    ordered = sorted(rows, key=lambda row: (row.date, row.start_time))
    for row in ordered[:-1] if unsigned_latest else ordered:
        row.apply_signature(
            user, datetime.datetime.combine(row.date, datetime.time(19, 30), tzinfo=tz)
        )


def seed_demo_therapist(*, today: datetime.date | None = None) -> DemoReport:
    """Create the ``demo`` therapist and the hand-written caseload, unless already there."""
    today = today or timezone.localdate()
    theme_ids = dict(Theme.objects.values_list("slug", "pk"))
    if not theme_ids:
        raise DemoDataError("The theme taxonomy is missing: run `manage.py migrate` first.")
    for story in CLIENTS:
        check_story(story, theme_ids)
    User = get_user_model()
    username, password = DEMO_THERAPIST["username"], DEMO_THERAPIST["password"]
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": DEMO_THERAPIST["first_name"],
                "last_name": DEMO_THERAPIST["last_name"],
                "email": DEMO_THERAPIST["email"],
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        report = DemoReport(
            username=username,
            password=password,
            user_created=created,
            password_matches=created or user.check_password(password),
            seeded=False,
            clients=0,
            sessions=0,
        )
        if Client.objects.filter(therapist=user).exists():
            report.clients = Client.objects.filter(therapist=user).count()
            report.sessions = TherapySession.objects.filter(client__therapist=user).count()
            return report
        for story in CLIENTS:
            first, last = story["sessions"][0], story["sessions"][-1]
            discharged = story["status"] == ClientStatus.DISCHARGED
            client = create_client(
                therapist=user,
                client=Client(
                    status=story["status"],
                    intake_date=_date(today, story["intake_days_ago"]),
                    discharge_date=_date(today, last["days_ago"]) if discharged else None,
                    **story["client"],
                ),
            )
            assert _date(today, first["days_ago"]) >= client.intake_date
            rows = _build_sessions(story, client, theme_ids, today)
            _sign_like_a_clinician(rows, user, unsigned_latest=story is CLIENTS[0])
            TherapySession.objects.bulk_create(rows)
            report.clients += 1
            report.sessions += len(rows)
        report.seeded = True
    return report


__all__ = [
    "CLIENTS",
    "DEMO_THERAPIST",
    "DemoDataError",
    "DemoReport",
    "check_story",
    "seed_demo_therapist",
]
