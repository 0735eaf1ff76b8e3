"""The seeded demo caseload, read by the risk flags as a therapist would see it: red alerts
only where a client is at risk now (Kai's urges to self-harm and passive suicidal thoughts,
Gerald's passive thoughts of not waking up), never on a documented denial, a past episode or the
talk of ending therapy."""

from io import StringIO

import pytest
from django.core.management import call_command

from demo.phrases import phrases
from sessions.models import TherapySession
from themes.suggest import suggest

# (client's full name, session number, oldest first from 0) -> kinds the story has as current.
CURRENT_IN_THE_STORY = {
    ("Kai Mercer", 4): {"self_harm", "suicidal_thoughts"},
    ("Kai Mercer", 5): {"suicidal_thoughts"},
    ("Kai Mercer", 6): {"suicidal_thoughts"},
    ("Gerald Achterberg", 0): {"suicidal_thoughts"},
    ("Gerald Achterberg", 1): {"suicidal_thoughts"},
    ("Gerald Achterberg", 2): {"suicidal_thoughts"},
}


def current_kinds(session: TherapySession) -> set[str]:
    """What the session form shows as a red alert for this stored note."""
    result = suggest(session.full_text(with_plan=False), plan=session.plan)
    return {flag.kind for flag in result.risk if flag.current}


@pytest.mark.django_db
def test_demo_notes_raise_current_risk_only_where_the_story_has_it():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    sessions = TherapySession.objects.filter(client__therapist__username="demo").order_by(
        "date", "start_time"
    )
    found, by_client = {}, {}
    for session in sessions.select_related("client"):
        name = session.client.full_name
        number = by_client[name] = by_client.get(name, -1) + 1
        kinds = current_kinds(session)
        if kinds:
            found[(name, number)] = kinds
    assert len(sessions) > 60
    assert found == CURRENT_IN_THE_STORY


@pytest.mark.django_db
def test_the_demo_note_about_ending_therapy_is_not_an_alarm():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    [session] = [
        s
        for s in TherapySession.objects.filter(client__therapist__username="demo")
        if "Raised ending herself" in s.full_text()
    ]
    assert current_kinds(session) == set()
    # Negative control: the same words about the client herself are an alarm.
    assert "suicidal_thoughts" in {
        f.kind for f in suggest("Talked about ending herself.").risk if f.current
    }


def test_generated_risk_notes_alarm_only_when_the_level_is_raised():
    risk_notes = phrases().risk_notes
    for text in risk_notes["none"]:
        assert not [f for f in suggest(text).risk if f.current], text
    for level in ("moderate", "high"):
        for text in risk_notes[level]:
            assert [f for f in suggest(text).risk if f.current], text
