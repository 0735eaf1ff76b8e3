"""The seal of a signed note must not depend on the time zone a datetime was written in.

Found by the load test (issue 8): every seeded signed note with a next appointment failed its
seal once read back, because seeding sealed the next appointment as local time ("+01:00") and
the database hands it back in UTC ("+00:00"), so opening those notes showed the tampering
warning.
"""

import datetime
import io
import zoneinfo

import pytest
from django.core.management import call_command

from sessions.models import NoteStatus, TherapySession
from tests.base import make_client, make_therapist
from tests.sessions.helpers import make_signed_session

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_a_note_sealed_with_a_local_next_appointment_verifies_after_reading_back():
    therapist = make_therapist("seal-tz")
    client = make_client(therapist)
    session = make_signed_session(
        client,
        therapist,
        next_appointment=datetime.datetime(2026, 7, 1, 10, 0, tzinfo=LONDON),  # BST, +01:00
    )
    stored = TherapySession.objects.get(pk=session.pk)
    assert stored.status == NoteStatus.SIGNED
    assert stored.integrity_ok()


def test_the_same_instant_in_two_zones_gives_one_seal():
    therapist = make_therapist("seal-tz-2")
    client = make_client(therapist)
    local = TherapySession(
        client=client,
        date=datetime.date(2026, 6, 30),
        start_time=datetime.time(9, 0),
        next_appointment=datetime.datetime(2026, 7, 1, 10, 0, tzinfo=LONDON),
    )
    utc = TherapySession(
        pk=local.pk,
        client=client,
        date=local.date,
        start_time=local.start_time,
        next_appointment=datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC),
    )
    assert local.content_digest() == utc.content_digest()


def test_every_seeded_signed_note_verifies():
    call_command("seed_demo", stdout=io.StringIO())
    call_command(
        "seed_demo", "--therapists", "1", "--clients", "3", "--sessions", "6", stdout=io.StringIO()
    )
    signed = list(TherapySession.objects.filter(status=NoteStatus.SIGNED))
    assert any(s.next_appointment for s in signed)
    assert [s.pk for s in signed if not s.integrity_ok()] == []
