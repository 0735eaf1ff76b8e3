"""The demo caseload's treatment plans, questionnaires and note progress (issue 16): written
through the plans and measures services, telling each story (the maternal-rejection client
improves reliably; another client stays above the cut-off, so the caseload list has an entry),
seeded once however often the command runs, and checked with the story files."""

import datetime
import shutil
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from audit.models import Action, AuditEvent
from clients.models import Client
from demo import stories
from demo.caseload import seed_demo_therapist
from measures import reports
from measures.change import IMPROVED
from measures.models import Administration, MeasureSchedule
from plans import reading
from plans.models import LockedProgressError, NoteProgress, PlanStatus, PlanVersion
from sessions.models import NoteStatus

User = get_user_model()


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def demo_client(name: str) -> Client:
    clients = Client.objects.filter(therapist__username="demo")
    return next(client for client in clients if client.full_name.startswith(name))


@pytest.fixture
def seeded(db):
    seed()
    return User.objects.get(username="demo")


def test_every_active_story_client_has_a_signed_plan_linked_to_its_themes(seeded):
    today = timezone.localdate()
    for name in ("Noor", "Tomasz", "Priya", "Kai", "Gerald", "Lucía"):
        client = demo_client(name)
        version = reading.latest_signed(client)
        assert version is not None, name
        assert version.status == PlanStatus.SIGNED and version.integrity_ok(), name
        assert version.signed_by == seeded
        assert version.signed_at.date() < today
        content = version.content
        assert content["problems"] and content["goals"] and content["interventions"], name
        assert all(problem["theme_ids"] for problem in content["problems"]), name
        assert all(goal["objectives"] for goal in content["goals"]), name
    assert reading.latest_signed(demo_client("Samuel")) is None  # discharged: no plan


def test_the_maternal_rejection_plan_names_her_themes(seeded):
    noor = demo_client("Noor")
    version = reading.latest_signed(noor)
    names = set(reading.theme_names(version, seeded).values())
    assert {"Maternal rejection", "Guilt", "People-pleasing"} <= names
    assert [goal["id"] for goal in version.goals()] == ["g1", "g2", "g3"]
    assert version.objectives()[0]["target_date"] < timezone.localdate().isoformat()


def test_one_review_is_a_few_weeks_ahead_and_another_overdue(seeded):
    today = timezone.localdate()
    noor = reading.latest_signed(demo_client("Noor")).review_date
    tomasz = reading.latest_signed(demo_client("Tomasz")).review_date
    assert noor - today == datetime.timedelta(days=21)
    assert tomasz < today


def test_the_maternal_rejection_scores_improve_reliably(seeded):
    histories = {h.measure.slug: h for h in reports.client_history(demo_client("Noor"))}
    assert set(histories) == {"phq9", "gad7"}
    phq9 = histories["phq9"]
    totals = [point.total for point in phq9.scored]
    assert totals[0] == 14 and totals[-1] == 6  # as her first and last notes say
    assert totals == sorted(totals, reverse=True)  # improving across the story
    assert phq9.latest.change_from_first == IMPROVED
    assert any(point.change_from_first == IMPROVED for point in phq9.scored[:-1])
    dates = {point.date for point in phq9.scored}
    session_dates = set(demo_client("Noor").sessions.values_list("date", flat=True))
    assert dates <= session_dates  # each taken in a session


def test_another_client_needs_attention(seeded):
    attention = reports.needing_attention(seeded, today=timezone.localdate())
    entries = {(item.client.full_name.split()[0], item.measure.slug) for item in attention}
    assert ("Kai", "gad7") in entries
    assert not any(name == "Noor" for name, _slug in entries)  # improving: control


def test_a_risk_answer_is_kept_where_the_story_has_one(seeded):
    kai = reports.client_history(demo_client("Kai"))
    phq9 = next(history for history in kai if history.measure.slug == "phq9")
    assert [point.risk_items for point in phq9.points if point.risk_items] == [(9,)]


def test_measures_are_due_for_the_clients_who_take_them(seeded):
    noor = MeasureSchedule.objects.get(client=demo_client("Noor"))
    assert noor.due == {"phq9": "every_4_weeks", "gad7": "every_4_weeks"}
    assert not MeasureSchedule.objects.filter(client=demo_client("Priya")).exists()


def test_notes_record_progress_against_the_plan_and_signed_ones_are_locked(seeded):
    noor = demo_client("Noor")
    progress = reading.progress(noor)
    assert progress.notes == 12
    first_objective = reading.latest_signed(noor).objectives()[0]["id"]
    ratings = [entry.rating for entry in progress.by_objective[first_objective]]
    assert ratings == ["some_progress", "achieved"]
    signed = NoteProgress.objects.filter(client=noor, session__status=NoteStatus.SIGNED).first()
    signed.entries = {"goals_addressed": [], "objectives": {}}
    with pytest.raises(LockedProgressError):
        signed.save()
    for name in ("Tomasz", "Priya", "Kai", "Gerald", "Lucía"):
        assert reading.progress(demo_client(name)).notes >= 5, name


def test_writes_went_through_the_services_and_were_audited(seeded):
    plans = PlanVersion.objects.filter(client__therapist=seeded).count()
    questionnaires = Administration.objects.filter(client__therapist=seeded).count()
    assert plans == 6
    assert questionnaires == 45
    assert AuditEvent.objects.filter(action=Action.SIGN_PLAN).count() == plans
    assert AuditEvent.objects.filter(action=Action.RECORD_MEASURE).count() == questionnaires


def test_seeding_twice_adds_nothing(seeded):
    counts = (
        PlanVersion.objects.count(),
        Administration.objects.count(),
        NoteProgress.objects.count(),
        MeasureSchedule.objects.count(),
    )
    assert "nothing changed" in seed()
    assert (
        PlanVersion.objects.count(),
        Administration.objects.count(),
        NoteProgress.objects.count(),
        MeasureSchedule.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_seeded_for_a_later_day_the_questionnaires_of_the_future_are_left_out():
    """The schedule tests seed the demo for days after today; the services refuse a
    questionnaire dated in the future, so those few are not recorded."""
    later = timezone.localdate() + datetime.timedelta(days=6)
    seed_demo_therapist(today=later)
    days = [row.administered_on for row in Administration.objects.all()]
    assert days and max(days) <= timezone.localdate()


# (file, text in it, what it becomes, what the error names): one slip each.
MALFORMED = [
    (
        "01-noor.toml",
        '"loyalty-conflict", "guilt"]',
        '"loyal", "guilt"]',
        "plan.problems[0].themes",
    ),
    ("01-noor.toml", 'problems = ["motherhood"]', 'problems = ["mothers"]', "is not a key"),
    ("01-noor.toml", "signed_days_ago = 166", "signed_days_ago = 167", "no session 167 days"),
    ("01-noor.toml", 'rating = "worse"', 'rating = "worst"', ".rating: 'worst' is not one"),
    ("01-noor.toml", "progress.objectives.say-so", "progress.objectives.say-sx", "'say-sx' is"),
    ("01-noor.toml", "[180, 14]", "[181, 14]", "no session 181 days ago"),
    ("01-noor.toml", "[180, 14]", "[180, 28]", "cannot score 28"),
    ("01-noor.toml", '"every_4_weeks", gad7', '"monthly", gad7', "is not a frequency"),
    ("03-priya-and-jordan.toml", "signed_days_ago = 116", "signed_days_ago = 18", "not after"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "old", "new", "problem"), MALFORMED)
def test_a_malformed_plan_or_measure_is_one_clear_error_and_seeds_nothing(
    tmp_path, monkeypatch, name, old, new, problem
):
    shutil.copytree(stories.STORIES_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    monkeypatch.setattr(stories, "STORIES_DIR", tmp_path)
    with pytest.raises(CommandError) as excinfo:
        seed()
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert not User.objects.filter(username="demo").exists()
    assert not PlanVersion.objects.exists() and not Administration.objects.exists()
