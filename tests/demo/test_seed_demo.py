"""The seed_demo command: the hand-written demo caseload and the generated scale mode."""

import datetime
import itertools
import random
import shutil
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone

from clients.models import Client, ClientStatus
from demo import phrases, stories
from demo.generator import BENCH_PASSWORD
from demo.notes import NoteWriter
from demo.stories import check_story, load_stories, load_therapist
from sessions.models import FORMAT_SECTIONS, NoteFormat, RiskLevel, SessionType, TherapySession
from themes.models import Theme

User = get_user_model()


def seed(*args, **options) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


def demo_sessions() -> list[TherapySession]:
    return list(
        TherapySession.objects.filter(client__therapist__username="demo").select_related("client")
    )


def assert_valid_note(session: TherapySession) -> None:
    sections = FORMAT_SECTIONS[NoteFormat(session.note_format)]
    assert list(session.note) == list(sections), session.note_format
    assert all(isinstance(text, str) and text.strip() for text in session.note.values())
    assert 300 <= sum(len(text) for text in session.note.values()) <= 3_000
    assert session.risk_level in RiskLevel.values
    assert session.mood_affect and session.risk_notes and session.interventions and session.plan


# --- the hand-written demo --------------------------------------------------------------------
@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    first = seed()
    counts = (User.objects.count(), Client.objects.count(), TherapySession.objects.count())
    second = seed()
    assert (User.objects.count(), Client.objects.count(), TherapySession.objects.count()) == counts
    assert "Created 7 demo clients" in first
    assert "nothing changed" in second
    for output in (first, second):
        assert "demo" in output and load_therapist()["password"] in output


# django-axes checks every password against the address it comes from.
SIGN_IN_REQUEST = RequestFactory().post("/accounts/login/")


@pytest.mark.django_db
def test_demo_login_works():
    seed()
    user = authenticate(
        RequestFactory().post("/accounts/login/"), username="demo", password="demo-therapist-2026"
    )
    assert user is not None
    assert user.email == "demo@example.org"
    assert user.first_name and user.last_name


@pytest.mark.django_db
def test_demo_caseload_shape():
    seed()
    clients = list(Client.objects.filter(therapist__username="demo").order_by("number"))
    assert 6 <= len(clients) <= 8
    assert [client.code for client in clients] == [f"C-{n:04d}" for n in range(1, len(clients) + 1)]
    sessions = demo_sessions()
    per_client = Counter(session.client_id for session in sessions)
    assert all(8 <= per_client[client.pk] <= 25 for client in clients)
    assert {session.note_format for session in sessions} == set(NoteFormat.values)
    assert SessionType.COUPLE in {session.session_type for session in sessions}
    assert {client.status for client in clients} >= {ClientStatus.ACTIVE, ClientStatus.DISCHARGED}
    risks = Counter(session.risk_level for session in sessions)
    assert risks[RiskLevel.MODERATE] >= 1 and risks[RiskLevel.HIGH] == 0
    assert risks[RiskLevel.NONE] + risks[RiskLevel.LOW] > 0.9 * len(sessions)
    for session in sessions:
        assert_valid_note(session)


@pytest.mark.django_db
def test_demo_dates_look_current_and_consistent():
    seed()
    today = timezone.localdate()
    for client in Client.objects.filter(therapist__username="demo"):
        dates = sorted(client.sessions.values_list("date", flat=True))
        assert dates[-1] <= today
        assert (today - dates[-1]).days <= 23, client.code
        assert client.intake_date <= dates[0]
        assert all(day.weekday() < 5 for day in dates)
        last = client.sessions.order_by("-date").first()
        if client.status == ClientStatus.DISCHARGED:
            assert client.discharge_date == dates[-1]
            assert last.next_appointment is None
        else:
            assert client.discharge_date is None
            assert timezone.localdate(last.next_appointment) > today
        earlier = client.sessions.exclude(pk=last.pk)
        assert all(session.next_appointment.date() > session.date for session in earlier)


@pytest.mark.django_db
def test_demo_appointments_never_overlap():
    seed()
    slots = sorted(
        (
            datetime.datetime.combine(session.date, session.start_time),
            session.duration_minutes,
        )
        for session in demo_sessions()
    )
    for (start, minutes), (next_start, _) in itertools.pairwise(slots):
        assert start + datetime.timedelta(minutes=minutes) <= next_start


@pytest.mark.django_db
def test_demo_themes_exist_and_recur_for_the_maternal_rejection_client():
    seed()
    slugs = dict(Theme.objects.values_list("pk", "slug"))
    noor = next(
        client
        for client in Client.objects.filter(therapist__username="demo")
        if client.full_name == "Noor Haddad"
    )
    sessions = list(noor.sessions.order_by("date"))
    assert 15 <= len(sessions) <= 25
    counts = Counter(slugs[link["theme"]] for session in sessions for link in session.themes)
    assert counts["maternal-rejection"] >= 10
    recurring = {slug for slug, count in counts.items() if count >= 3}
    assert {
        "maternal-rejection",
        "loyalty-conflict",
        "boundary-difficulties",
        "guilt",
        "self-doubt",
    } <= recurring
    # The rupture and its repair come in the middle, boundary work after it.
    first_seen = {}
    for position, session in enumerate(sessions):
        for link in session.themes:
            first_seen.setdefault(slugs[link["theme"]], position)
            assert link["intensity"] in (1, 2, 3)
    assert first_seen["low-mood"] == 0
    assert 5 <= first_seen["rupture-and-repair"] < len(sessions) - 5


@pytest.mark.django_db
def test_demo_stories_pass_their_own_checks():
    theme_ids = dict(Theme.objects.values_list("slug", "pk"))
    loaded = load_stories(theme_ids)
    assert len(loaded) == 7
    for story in loaded:
        check_story(story, theme_ids)


# (file, text in it, what it becomes, what the error names): one slip each.
MALFORMED_STORIES = [
    ("02-tomasz.toml", 'status = "active"', 'status = "active', "not valid TOML"),
    ("02-tomasz.toml", 'risk = "none"', 'risk = "severe"', "sessions[0].risk: unknown value"),
    ("02-tomasz.toml", "intake_days_ago = ", "intake_days_ago = true #", "intake_days_ago:"),
    ("02-tomasz.toml", "anxiety = 3", "anxeity = 3", "themes.anxeity: not a theme"),
    ("02-tomasz.toml", 'format = "soap"', 'format = "dap"', "].note.data: missing"),
    ("02-tomasz.toml", " \\\n", " \n", "a line break inside a paragraph"),
    ("02-tomasz.toml", "days_ago = 21", "days_ago = 99", "not at least two days after"),
    ("07-samuel.toml", "[client]", "[client]\nfull_nam = 'x'", "client.full_nam: unknown key"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "old", "new", "problem"), MALFORMED_STORIES)
def test_a_malformed_story_file_is_one_clear_error_and_seeds_nothing(
    tmp_path, monkeypatch, name, old, new, problem
):
    shutil.copytree(stories.STORIES_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    monkeypatch.setattr(stories, "STORIES_DIR", tmp_path)
    with pytest.raises(CommandError) as excinfo:
        seed()
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    # The stories before it were fine; none of them was written.
    assert not User.objects.filter(username="demo").exists()
    assert not Client.objects.exists()
    assert not TherapySession.objects.exists()


@pytest.mark.django_db
def test_the_shipped_story_files_are_named_relative_to_the_project(monkeypatch):
    def refuse(story, theme_slugs):
        raise stories.DemoDataError("status: refused")

    monkeypatch.setattr(stories, "check_story", refuse)
    with pytest.raises(CommandError, match=r"^demo/data/stories/01-noor\.toml: status: refused$"):
        seed()


# --- scale mode -------------------------------------------------------------------------------
def bench_snapshot() -> list[tuple]:
    rows = TherapySession.objects.filter(client__therapist__username__startswith="bench-")
    return sorted(
        (
            session.client.therapist.username,
            session.client.number,
            session.client.full_name,
            session.date,
            session.note_format,
            tuple(session.note.items()),
            session.risk_level,
            tuple((link["theme"], link["intensity"]) for link in session.themes),
        )
        for session in rows.select_related("client__therapist")
    )


def delete_bench_data() -> None:
    TherapySession.objects.filter(client__therapist__username__startswith="bench-").delete()
    Client.objects.filter(therapist__username__startswith="bench-").delete()
    User.objects.filter(username__startswith="bench-").delete()


@pytest.mark.django_db
def test_scale_mode_creates_exact_counts():
    output = seed(therapists=2, clients=3, sessions=4, random_seed=1)
    assert "Created 2 therapist(s), 6 clients and 24 sessions" in output
    assert BENCH_PASSWORD in output
    for username in ("bench-therapist-01", "bench-therapist-02"):
        clients = Client.objects.filter(therapist__username=username)
        assert sorted(clients.values_list("number", flat=True)) == [1, 2, 3]
        assert TherapySession.objects.filter(client__in=clients).count() == 12
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"),
            username="bench-therapist-02",
            password=BENCH_PASSWORD,
        )
        is not None
    )
    for session in TherapySession.objects.filter(client__therapist__username__startswith="bench-"):
        assert_valid_note(session)


@pytest.mark.django_db
def test_scale_mode_is_idempotent():
    seed(therapists=2, clients=3, sessions=4, random_seed=1)
    output = seed(therapists=2, clients=3, sessions=4, random_seed=1)
    assert "bench-therapist-01 already has clients" in output
    assert TherapySession.objects.count() == 24
    assert Client.objects.count() == 6
    # A larger run adds only the therapists that are new.
    seed(therapists=3, clients=3, sessions=4, random_seed=1)
    assert TherapySession.objects.count() == 36


@pytest.mark.django_db
def test_scale_mode_is_deterministic_for_a_seed():
    seed(therapists=2, clients=3, sessions=4, random_seed=1)
    first = bench_snapshot()
    assert len(first) == 24
    delete_bench_data()
    seed(therapists=2, clients=3, sessions=4, random_seed=1)
    assert bench_snapshot() == first
    delete_bench_data()
    seed(therapists=2, clients=3, sessions=4, random_seed=2)
    assert bench_snapshot() != first


@pytest.mark.django_db
def test_scale_mode_themes_recur_and_formats_vary():
    seed(therapists=1, clients=4, sessions=30, random_seed=3)
    sessions = list(TherapySession.objects.select_related("client"))
    assert len(sessions) == 120
    assert len({session.note_format for session in sessions}) >= 3
    by_client: dict = {}
    for session in sessions:
        for link in session.themes:
            by_client.setdefault(session.client_id, Counter())[link["theme"]] += 1
    for counts in by_client.values():
        assert max(counts.values()) >= 10  # a core theme runs through the work
    today = timezone.localdate()
    for client in Client.objects.filter(status=ClientStatus.ACTIVE):
        last = client.sessions.order_by("-date").first()
        assert 0 < (today - last.date).days <= 27
        assert timezone.localdate(last.next_appointment) > today


@pytest.mark.django_db
def test_a_placeholder_typo_in_the_phrase_banks_is_refused_before_anything_is_written(
    tmp_path, monkeypatch
):
    path = tmp_path / "phrases.toml"
    text = phrases.PHRASES_FILE.read_text()
    assert '"Client described {event}' in text
    path.write_text(text.replace('"Client described {event}', '"Client described {evnet}', 1))
    monkeypatch.setattr(phrases, "PHRASES_FILE", path)
    phrases.phrases.cache_clear()
    try:
        with pytest.raises(CommandError) as excinfo:
            seed(therapists=1, clients=2, sessions=3)
    finally:
        phrases.phrases.cache_clear()
    assert str(excinfo.value).startswith(f"{path}: ")
    assert "unknown placeholder {evnet}" in str(excinfo.value)
    assert not User.objects.filter(username__startswith="bench-").exists()


@pytest.mark.django_db
def test_generated_notes_stay_in_bounds_for_every_format():
    names = dict(Theme.objects.values_list("slug", "name"))
    slugs = sorted(names)
    writer = NoteWriter(random.Random(5), names)
    rng = random.Random(6)
    for _ in range(300):
        note_format = rng.choice(NoteFormat.values)
        themes = [(slug, rng.randint(1, 3)) for slug in rng.sample(slugs, rng.randint(1, 4))]
        note = writer.note(note_format, themes, rng.choice(RiskLevel.values))
        assert list(note) == list(FORMAT_SECTIONS[NoteFormat(note_format)])
        assert 300 <= sum(map(len, note.values())) <= 3_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options",
    [
        {"therapists": 0},
        {"clients": -1},
        {"sessions": 100_000},
        {"therapists": 10_000},
        {"therapists": 500, "clients": 5_000, "sessions": 1_000},
        {"therapists": 1, "random_seed": -3},
        {"random_seed": 4},
    ],
)
def test_bad_options_are_refused(options):
    with pytest.raises(CommandError) as excinfo:
        seed(**options)
    assert "\n" not in str(excinfo.value)
    assert not User.objects.filter(username__startswith="bench-").exists()


@pytest.mark.django_db
def test_non_numeric_option_is_refused():
    with pytest.raises(CommandError):
        seed("--therapists", "many")
