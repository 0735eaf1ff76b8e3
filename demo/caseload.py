"""The ``demo`` therapist and the hand-written caseload of ``data/stories/``.

Idempotent: a demo therapist who already has clients is left untouched. Every story is read and
checked before anything is written, so that a bad file seeds nothing.
"""

import datetime
import functools
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from appointments import clock
from appointments.models import Appointment
from clients.models import Client, ClientStatus
from clients.services import create_client
from sessions.links import ThemeLink, stored_links
from sessions.models import TherapySession
from sessions.services import import_sessions
from themes.models import Theme

from .datafiles import DemoDataError
from .progress import seed_measures, seed_plan
from .schedule import book_client, book_today, day_shift, load_diary, settle
from .stories import load_stories, load_therapist, story_names


@dataclass
class DemoReport:
    username: str
    password: str
    user_created: bool
    password_matches: bool
    seeded: bool
    clients: int
    sessions: int
    appointments: int = 0
    questionnaires: int = 0


def shift_to_weekday(day: datetime.date) -> datetime.date:
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
    return shift_to_weekday(today - datetime.timedelta(days=days_ago))


def _build_sessions(
    story: dict, client: Client, theme_ids: dict[str, int], today: datetime.date
) -> list[TherapySession]:
    tz = timezone.get_current_timezone()
    defaults = story["defaults"]
    rows: list[TherapySession] = []
    planned = []
    for session in story["sessions"]:
        start = session.get("start_time", defaults["start_time"])
        planned.append((_date(today, session["days_ago"]), start, session))
    for position, (day, start, session) in enumerate(planned):
        if position + 1 < len(planned):
            next_day, next_start, _ = planned[position + 1]
        elif client.status == ClientStatus.ACTIVE:
            # The next booking after the last note lies in the future, at the usual cadence.
            next_day, next_start = day, start
            while next_day <= today:
                next_day = shift_to_weekday(
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
                themes=stored_links(
                    ThemeLink(theme_ids[slug], intensity)
                    for slug, intensity in session["themes"].items()
                ),
            )
        )
    return rows


def _shifted(story: dict, days: int) -> dict:
    """The story with every date ``days`` further back (fewer when negative): its sessions, the
    day its plan was signed and the days of its questionnaires (review and target dates count
    from today and stay)."""
    sessions = [
        {**session, "days_ago": session["days_ago"] + days} for session in story["sessions"]
    ]
    shifted = {**story, "intake_days_ago": story["intake_days_ago"] + days, "sessions": sessions}
    if "plan" in story:
        plan = story["plan"]
        shifted["plan"] = {**plan, "signed_days_ago": plan["signed_days_ago"] + days}
    if "measures" in story:
        scores = {
            slug: [[score[0] + days, *score[1:]] for score in series]
            for slug, series in story["measures"].get("scores", {}).items()
        }
        shifted["measures"] = {**story["measures"], "scores": scores}
    return shifted


def _install_writing_aids(user) -> None:
    """The starter templates and snippets, when the writing app is installed."""
    if apps.is_installed("writing"):
        from writing.services import install_starters

        install_starters(user)


def _sign_like_a_clinician(rows: list[TherapySession], user, *, unsigned_latest: bool) -> None:
    """Notes are signed the evening after the session; the newest one of the first client is
    left as a draft so the dashboard shows an unsigned note."""
    tz = timezone.get_current_timezone()
    ordered = sorted(rows, key=lambda row: (row.date, row.start_time))
    for row in ordered[:-1] if unsigned_latest else ordered:
        row.apply_signature(
            user, datetime.datetime.combine(row.date, datetime.time(19, 30), tzinfo=tz)
        )


def seed_demo_therapist(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> DemoReport:
    """Create the ``demo`` therapist, the hand-written caseload and its diary (the appointments
    around ``today``, settled as of ``now``), unless the therapist already has clients."""
    if now is None:
        now = timezone.now() if today is None else clock.aware(today, timezone.localtime().time())
    today = today or timezone.localdate(now)
    theme_ids = dict(Theme.objects.values_list("slug", "pk"))
    if not theme_ids:
        raise DemoDataError("The theme taxonomy is missing: run `manage.py migrate` first.")
    therapist = load_therapist()
    stories = load_stories(theme_ids)
    names = story_names()
    diary = load_diary(
        [name for name, story in zip(names, stories, strict=True) if story["status"] == "active"]
    )
    User = get_user_model()
    username, password = therapist["username"], therapist["password"]
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": therapist["first_name"],
                "last_name": therapist["last_name"],
                "email": therapist["email"],
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
            report.appointments = Appointment.objects.for_therapist(user).count()
            return report
        clients = {}
        date_of = functools.partial(_date, today)  # days ago -> the date
        for name, story in zip(names, stories, strict=True):
            slot = diary.slots.get(name)
            if slot is not None:
                shift = day_shift(slot.weekday, story["sessions"][-1]["days_ago"], today)
                story = _shifted(story, shift)
            last = story["sessions"][-1]
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
            clients[name] = client
            rows = _build_sessions(story, client, theme_ids, today)
            if slot is not None:
                book_client(therapist=user, client=client, rows=rows, slot=slot, today=today)
            _sign_like_a_clinician(rows, user, unsigned_latest=name == names[0])
            seed_plan(
                story=story, client=client, user=user, rows=rows, date_of=date_of, today=today
            )
            import_sessions(sessions=rows)
            report.questionnaires += seed_measures(
                story=story, client=client, user=user, date_of=date_of
            )
            report.clients += 1
            report.sessions += len(rows)
        book_today(therapist=user, clients=clients, extras=diary.today, today=today)
        settle(therapist=user, clients=clients, diary=diary, today=today, now=now)
        report.appointments = Appointment.objects.for_therapist(user).count()
        _install_writing_aids(user)
        report.seeded = True
    return report
