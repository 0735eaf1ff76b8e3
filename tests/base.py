"""Personas shared by the tests: alice (a therapist) and bob (another therapist, who must never
see anything of alice's); and the makers of their records (therapists, clients, sessions)."""

import datetime

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import timezone

from accounts.testing import sign_in
from clients.models import Client
from clients.services import create_client
from sessions import services
from sessions.models import NoteStatus, TherapySession
from themes.models import Theme

PASSWORD = "a-long-test-password-2026"

# Unguessable, mixed-script values: a hit in a raw scan cannot be a coincidence.
ALICE_CANARY_NAME = "Quillfeather Ŋarvåsdóttir"
ALICE_CANARY_NOTE = "zebrafinch-Ψ7-каракатица felt dismissed by her mother"


def make_therapist(username: str, **extra):
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )


def make_client(therapist, **fields) -> Client:
    fields.setdefault("full_name", "Test Client")
    return create_client(therapist=therapist, client=Client(**fields))


def make_session(client: Client, **fields) -> TherapySession:
    fields.setdefault("date", datetime.date(2026, 3, 2))
    fields.setdefault("start_time", datetime.time(10, 0))
    fields.setdefault("note_format", "soap")
    fields.setdefault("note", {"subjective": "Reported a difficult week."})
    # Through the one door for note writes, as the pages write them.
    return services.create_session(session=TherapySession(**fields), client=client)


def make_signed_session(client: Client, signer, **fields) -> TherapySession:
    """A session stored as signed (signer, time and content hash), as the seeding code does."""
    fields.setdefault("date", datetime.date(2026, 3, 9))
    fields.setdefault("start_time", datetime.time(11, 0))
    fields.setdefault("note", {"subjective": "Talked about the weekend."})
    session = TherapySession(client=client, **fields)
    session.apply_signature(signer, timezone.now())
    services.import_sessions(sessions=[session])
    assert TherapySession.objects.get(pk=session.pk).status == NoteStatus.SIGNED
    return session


class PersonaTestCase(TestCase):
    """alice with one client and one session; bob with his own client."""

    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.maternal_rejection = Theme.objects.get(slug="maternal-rejection")
        cls.alice_client = make_client(
            cls.alice,
            full_name=ALICE_CANARY_NAME,
            date_of_birth=datetime.date(1988, 6, 1),
            email="quillfeather@example.org",
        )
        cls.alice_session = make_session(
            cls.alice_client,
            note={"subjective": ALICE_CANARY_NOTE},
            themes=[{"theme": cls.maternal_rejection.pk, "intensity": 3}],
        )
        cls.bob_client = make_client(cls.bob, full_name="Bob's Own Client")

    def sign_in(self, user) -> None:
        sign_in(self.client, user)
