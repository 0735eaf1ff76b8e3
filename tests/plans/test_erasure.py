"""Erasing a client's record takes their treatment plan with it: signed versions, the draft and
the progress recorded with signed and draft notes, although the triggers lock all of them
otherwise (plans/erasure.py gives the one permit). On PostgreSQL too (DATABASE_URL)."""

import datetime

from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from plans import services
from plans.models import NoteProgress, PlanVersion, TreatmentPlan
from sessions import services as session_services
from tests.base import make_plan, make_session
from tests.builders import erase_form

from .helpers import PlanTestCase


class ErasureTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.signed_note = make_session(cls.alice_client, date=datetime.date(2026, 3, 16))
        services.record_progress(
            session=cls.signed_note,
            user=cls.alice,
            goals_addressed=["g1"],
            objectives={"o1": {"rating": "worse", "comment": ""}},
        )
        session_services.sign_session(
            session=cls.signed_note, signer=cls.alice, expected_version=cls.signed_note.version
        )
        cls.draft_note = make_session(cls.alice_client, date=datetime.date(2026, 3, 23))
        services.record_progress(
            session=cls.draft_note, user=cls.alice, goals_addressed=["g2"], objectives={}
        )
        services.start_draft(client=cls.alice_client, user=cls.alice)
        cls.bobs_plan = make_plan(cls.bob_client)

    def counts(self, client) -> tuple[int, int, int]:
        client_id = client if not hasattr(client, "pk") else client.pk
        return (
            TreatmentPlan.objects.filter(client_id=client_id).count(),
            PlanVersion.objects.filter(client_id=client_id).count(),
            NoteProgress.objects.filter(client_id=client_id).count(),
        )

    def permits(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM plans_erasure_permit")
            return cursor.fetchone()[0]

    def test_erasing_the_client_deletes_the_whole_plan_and_its_progress(self):
        client_id = self.alice_client.pk
        self.assertEqual(self.counts(client_id), (1, 2, 2))
        session_services.erase_client(client=self.alice_client)
        self.assertEqual(self.counts(client_id), (0, 0, 0))
        self.assertEqual(self.permits(), 0)
        self.assertEqual(self.counts(self.bob_client), (1, 1, 0))

    def test_the_erase_page_erases_a_client_with_a_signed_plan(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("client_erase", args=[self.alice_client.pk]), erase_form(self.alice_client)
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.counts(self.alice_client), (0, 0, 0))

    def test_without_the_erasure_the_plan_cannot_be_deleted_control(self):
        plan = TreatmentPlan.objects.get(client=self.bob_client)
        with (
            self.assertRaisesMessage(IntegrityError, "signed treatment plan versions cannot"),
            transaction.atomic(),
        ):
            plan.delete()
        note = type(self.signed_note).objects.get(pk=self.signed_note.pk)
        with (
            self.assertRaisesMessage(IntegrityError, "the plan progress of a signed note cannot"),
            transaction.atomic(),
        ):
            note.delete()  # its locked progress goes with it only in an erasure
        self.assertEqual(self.counts(self.alice_client), (1, 2, 2))
        self.assertEqual(self.counts(self.bob_client), (1, 1, 0))
