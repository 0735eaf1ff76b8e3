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


def make_administration(client, slug: str = "phq9", *, total: int = 14, on=None, risk=None):
    """One completed questionnaire (measures) scoring ``total``, stored through the one door;
    ``risk``: the answer to the measure's risk item (PHQ-9 item 9), None to leave it 0 unless
    the total needs it."""
    from measures import catalogue
    from measures import services as measure_services
    from measures.scoring import answers_for_total

    return measure_services.record_administration(
        client=client,
        measure_slug=slug,
        answers=answers_for_total(catalogue.get_measure(slug), total, risk=risk),
        administered_on=on or datetime.date(2026, 3, 2),
        user=client.therapist,
    )


def make_measure_records(client) -> tuple:
    """One row of each measures model with encrypted values for ``client``: a questionnaire,
    the schedule of measures due and a one-time link (for suites that cover every encrypted
    model: key rotation, tampering)."""
    from measures import services as measure_services

    administration = make_administration(client, "core10", total=17, risk=1)
    schedule = measure_services.set_schedule(
        client=client, user=client.therapist, due={"phq9": "every_session"}
    )
    link, _token = measure_services.create_link(
        client=client, measure_slug="gad7", user=client.therapist
    )
    return administration, schedule, link


# A treatment plan's content (plans.content), its ids written out so that tests can name them.
PLAN_CONTENT = {
    "problems": [
        {"id": "p1", "text": "Feels dismissed by her mother since the baby came.", "theme_ids": []}
    ],
    "goals": [
        {
            "id": "g1",
            "text": "Set limits with her mother",
            "problem_ids": ["p1"],
            "objectives": [
                {"id": "o1", "text": "Says no to one request a week", "target_date": "2026-09-01"},
                {"id": "o2", "text": "Guilt after visits below 5 of 10", "target_date": None},
            ],
        },
        {
            "id": "g2",
            "text": "Sleep through the night",
            "problem_ids": [],
            "objectives": [{"id": "o3", "text": "Six nights of sleep a week", "target_date": None}],
        },
    ],
    "interventions": [{"id": "i1", "text": "Schema work on guilt", "goal_ids": ["g1"]}],
}


def make_plan(client, *, content=None, review_date=datetime.date(2026, 6, 1), sign=True):
    """A treatment plan for ``client`` written through plans.services by its therapist: a new
    draft (copied from the latest signed version, if any) saved with ``content``, then signed
    unless ``sign`` is False. Returns the version."""
    from plans import services as plan_services

    therapist = client.therapist
    draft = plan_services.start_draft(client=client, user=therapist)
    plan_services.save_draft(
        version=draft,
        user=therapist,
        content=PLAN_CONTENT if content is None else content,
        review_date=review_date,
        expected_version=draft.version,
    )
    if sign:
        return plan_services.sign_version(version=draft, user=therapist)
    return draft
