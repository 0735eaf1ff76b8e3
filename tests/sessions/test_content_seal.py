"""The content seal of a signed note: keyed (not a plain hash of the content, and it changes with
the audit key), and independent of the time zone a datetime was written in.

The time zone was found by the load test (issue 8): every seeded signed note with a next
appointment failed its seal once read back, because seeding sealed the next appointment as local
time ("+01:00") and the database hands it back in UTC ("+00:00"), so opening those notes showed
the tampering warning.
"""

import datetime
import hashlib
import io
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django.test import override_settings

from audit.keys import reset_audit_key
from sessions.models import NoteStatus, TherapySession
from tests.base import (
    PersonaTestCase,
    make_client,
    make_session,
    make_signed_session,
    make_therapist,
)

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


class KeyedContentSealTests(PersonaTestCase):
    def test_the_seal_is_not_a_plain_hash_of_the_content(self):
        session = make_session(self.alice_client, note={"narrative": "Did not attend."})
        seal = session.content_digest()
        self.assertRegex(seal, r"^[0-9a-f]{64}$")
        canonical = json.dumps(
            {
                "id": str(session.pk),
                "client": str(session.client_id),
                "date": session.date.isoformat(),
                "start_time": session.start_time.isoformat(),
                "duration_minutes": session.duration_minutes,
                "session_type": session.session_type,
                "modality": session.modality,
                "note_format": session.note_format,
                "next_appointment": None,
                "note": session.note,
                "mood_affect": session.mood_affect,
                "risk_level": session.risk_level,
                "risk_notes": session.risk_notes,
                "interventions": session.interventions,
                "plan": session.plan,
                "themes": session.themes,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self.assertNotEqual(seal, hashlib.sha256(canonical.encode()).hexdigest())

    def test_the_seal_depends_on_the_audit_key(self):
        session = make_session(self.alice_client)
        seal = session.content_digest()
        try:
            with override_settings(AUDIT_HMAC_KEY="b3RoZXItdGVzdC1hdWRpdC1rZXktMzItYnl0ZXMhISE="):
                reset_audit_key()
                self.assertNotEqual(session.content_digest(), seal)
        finally:
            reset_audit_key()
        self.assertEqual(session.content_digest(), seal)
