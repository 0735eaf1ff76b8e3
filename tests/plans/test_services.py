"""The one door of treatment plans (plans/services.py): the lifecycle of a plan's versions,
the checks on what is written, and who may write."""

import copy
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import Action, AuditEvent
from plans import services
from plans.models import (
    LockedProgressError,
    NoteProgress,
    PlanStatus,
    PlanVersion,
    SignedPlanError,
)
from sessions import services as session_services
from sessions.models import TherapySession
from tests.base import PLAN_CONTENT, PersonaTestCase, make_client, make_plan
from themes.models import Theme


def _without(content: dict, objective_id: str) -> dict:
    changed = copy.deepcopy(content)
    for goal in changed["goals"]:
        goal["objectives"] = [o for o in goal["objectives"] if o["id"] != objective_id]
    return changed


class LifecycleTests(PersonaTestCase):
    def test_a_first_draft_is_version_1_and_empty(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        self.assertEqual((draft.number, draft.status), (1, PlanStatus.DRAFT))
        self.assertEqual(draft.content, {"problems": [], "goals": [], "interventions": []})
        self.assertIsNone(draft.review_date)
        entry = AuditEvent.objects.latest("seq")
        self.assertEqual((entry.action, entry.object_id), (Action.EDIT_PLAN, str(draft.pk)))

    def test_signing_seals_the_version_with_its_signer(self):
        version = make_plan(self.alice_client)
        stored = PlanVersion.objects.get(pk=version.pk)
        self.assertEqual(stored.status, PlanStatus.SIGNED)
        self.assertEqual(stored.signed_by, self.alice)
        self.assertIsNotNone(stored.signed_at)
        self.assertEqual(stored.content_hash, stored.content_digest())
        self.assertTrue(stored.integrity_ok())
        self.assertEqual(AuditEvent.objects.latest("seq").action, Action.SIGN_PLAN)

    def test_editing_a_signed_plan_starts_a_copy_and_keeps_the_old_version(self):
        first = make_plan(self.alice_client)
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        self.assertEqual(draft.number, 2)
        self.assertEqual(draft.content, first.content)
        self.assertEqual(draft.review_date, datetime.date(2026, 6, 1))
        changed = copy.deepcopy(first.content)
        changed["goals"][0]["text"] = "Set firm limits with her mother"
        services.save_draft(
            version=draft,
            user=self.alice,
            content=changed,
            review_date=datetime.date(2026, 9, 1),
            expected_version=draft.version,
        )
        services.sign_version(version=draft, user=self.alice)
        old = PlanVersion.objects.get(pk=first.pk)
        self.assertEqual(old.content["goals"][0]["text"], "Set limits with her mother")
        self.assertTrue(old.integrity_ok())
        self.assertEqual(PlanVersion.objects.filter(client=self.alice_client).count(), 2)

    def test_there_is_never_more_than_one_draft(self):
        make_plan(self.alice_client)
        first = services.start_draft(client=self.alice_client, user=self.alice)
        again = services.start_draft(client=self.alice_client, user=self.alice)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(PlanVersion.objects.filter(status=PlanStatus.DRAFT).count(), 1)

    def test_ids_stay_and_new_rows_never_reuse_a_removed_id(self):
        make_plan(self.alice_client)
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        changed = _without(draft.content, "o3")
        changed["goals"][1]["objectives"].append({"text": "Naps under an hour"})
        services.save_draft(
            version=draft,
            user=self.alice,
            content=changed,
            review_date=None,
            expected_version=draft.version,
        )
        stored = PlanVersion.objects.get(pk=draft.pk)
        ids = [o["id"] for o in stored.objectives()]
        self.assertEqual(ids, ["o1", "o2", "o4"])

    def test_a_stale_save_is_a_conflict_and_changes_nothing(self):
        draft = make_plan(self.alice_client, sign=False)
        with self.assertRaises(services.PlanConflict):
            services.save_draft(
                version=draft,
                user=self.alice,
                content={"problems": [], "goals": [], "interventions": []},
                review_date=None,
                expected_version=draft.version - 1,
            )
        self.assertEqual(PlanVersion.objects.get(pk=draft.pk).content, PLAN_CONTENT)

    def test_a_signed_version_is_refused_by_the_service(self):
        signed = make_plan(self.alice_client)
        with self.assertRaises(SignedPlanError):
            services.save_draft(
                version=signed,
                user=self.alice,
                content=PLAN_CONTENT,
                review_date=None,
                expected_version=signed.version,
            )
        with self.assertRaises(SignedPlanError):
            services.sign_version(version=signed, user=self.alice)
        with self.assertRaises(SignedPlanError):
            services.discard_draft(version=signed, user=self.alice)

    def test_signing_needs_a_goal_and_a_review_date(self):
        draft = make_plan(self.alice_client, sign=False, review_date=None)
        with self.assertRaisesMessage(ValidationError, "Set a review date before signing"):
            services.sign_version(version=draft, user=self.alice)
        empty = make_plan(
            make_client(self.alice, full_name="Second"),
            sign=False,
            content={"problems": [], "goals": [], "interventions": []},
        )
        with self.assertRaisesMessage(ValidationError, "at least one goal"):
            services.sign_version(version=empty, user=self.alice)
        self.assertEqual(PlanVersion.objects.filter(status=PlanStatus.SIGNED).count(), 0)

    def test_a_draft_can_be_discarded_and_the_signed_versions_stay(self):
        signed = make_plan(self.alice_client)
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        services.discard_draft(version=draft, user=self.alice)
        self.assertEqual(list(PlanVersion.objects.values_list("pk", flat=True)), [signed.pk])


class ContentTests(PersonaTestCase):
    def save(self, content, user=None):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        return services.save_draft(
            version=draft,
            user=user or self.alice,
            content=content,
            review_date=None,
            expected_version=draft.version,
        )

    def test_links_must_name_rows_of_the_plan(self):
        content = copy.deepcopy(PLAN_CONTENT)
        content["goals"][0]["problem_ids"] = ["p9"]
        with self.assertRaisesMessage(ValidationError, "Goal 1: it names a problem that is not"):
            self.save(content)

    def test_a_target_date_must_be_a_date(self):
        content = copy.deepcopy(PLAN_CONTENT)
        content["goals"][0]["objectives"][0]["target_date"] = "next spring"
        with self.assertRaisesMessage(ValidationError, "the target date is not a date"):
            self.save(content)

    def test_every_row_needs_its_text(self):
        content = copy.deepcopy(PLAN_CONTENT)
        content["interventions"][0]["text"] = "   "
        with self.assertRaisesMessage(ValidationError, "Intervention 1: write its text"):
            self.save(content)

    def test_another_therapists_theme_is_refused_and_ones_own_accepted(self):
        bobs = Theme.objects.create(name="Bob's", slug="bobs", category="affect", owner=self.bob)
        mine = Theme.objects.create(name="Mine", slug="mine", category="affect", owner=self.alice)
        content = copy.deepcopy(PLAN_CONTENT)
        content["problems"][0]["theme_ids"] = [bobs.pk]
        with self.assertRaisesMessage(ValidationError, "a theme it names is not one of yours"):
            self.save(content)
        content["problems"][0]["theme_ids"] = [mine.pk, self.maternal_rejection.pk]
        saved = self.save(content)
        self.assertEqual(
            PlanVersion.objects.get(pk=saved.pk).content["problems"][0]["theme_ids"],
            sorted([mine.pk, self.maternal_rejection.pk]),
        )

    def test_another_therapist_can_write_nothing_of_alices_plan(self):
        with self.assertRaises(PermissionDenied):
            services.start_draft(client=self.alice_client, user=self.bob)
        draft = make_plan(self.alice_client, sign=False)
        with self.assertRaises(PermissionDenied):
            services.save_draft(
                version=draft,
                user=self.bob,
                content=PLAN_CONTENT,
                review_date=None,
                expected_version=draft.version,
            )
        with self.assertRaises(PermissionDenied):
            services.sign_version(version=draft, user=self.bob)
        with self.assertRaises(PermissionDenied):
            services.discard_draft(version=draft, user=self.bob)
        self.assertEqual(PlanVersion.objects.get(pk=draft.pk).status, PlanStatus.DRAFT)


class ImportTests(PersonaTestCase):
    """Seeding (the demo caseload) writes signed notes with their progress: the progress goes
    in first, in the same transaction, since the database refuses it once the note is signed."""

    def test_progress_imported_with_signed_notes_is_stored_and_locked(self):
        version = make_plan(self.alice_client)
        notes = []
        for day in (2, 9):
            note = TherapySession(
                client=self.alice_client,
                date=datetime.date(2026, 2, day),
                start_time=datetime.time(9, 0),
                note={"subjective": "Seeded."},
            )
            note.apply_signature(self.alice, timezone.now())
            notes.append(note)
        with transaction.atomic():
            services.import_progress(
                plan_version=version,
                records=[
                    (notes[0], ["g1"], {"o1": {"rating": "worse", "comment": ""}}),
                    (notes[1], ["g1"], {"o1": {"rating": "some_progress", "comment": "Better"}}),
                ],
            )
            session_services.import_sessions(sessions=notes)
        stored = NoteProgress.objects.get(session_id=notes[1].pk)
        self.assertEqual(stored.entries["objectives"]["o1"]["comment"], "Better")
        stored.entries = {}
        with self.assertRaises(LockedProgressError):
            stored.save()

    def test_importing_against_a_draft_or_another_clients_plan_is_refused(self):
        draft = make_plan(self.alice_client, sign=False)
        note = TherapySession(client=self.alice_client, start_time=datetime.time(9, 0))
        with self.assertRaisesMessage(ValueError, "against a signed plan version"):
            services.import_progress(plan_version=draft, records=[(note, [], {})])
        bobs = make_plan(self.bob_client)
        with self.assertRaisesMessage(ValueError, "its own client's plan"):
            services.import_progress(plan_version=bobs, records=[(note, [], {})])


class LimitTests(PersonaTestCase):
    def save(self, content: dict):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        return services.save_draft(
            version=draft,
            user=self.alice,
            content=content,
            review_date=None,
            expected_version=draft.version,
        )

    def test_a_plan_holds_at_most_40_objectives_and_10_a_goal(self):
        def content(goals: int, objectives: int) -> dict:
            rows = [
                {
                    "text": f"Goal {n}",
                    "problem_ids": [],
                    "objectives": [{"text": f"Objective {n}.{m}"} for m in range(objectives)],
                }
                for n in range(goals)
            ]
            return {"problems": [], "goals": rows, "interventions": []}

        with self.assertRaisesMessage(ValidationError, "at most 40 objectives; this one has 45"):
            self.save(content(5, 9))
        with self.assertRaisesMessage(ValidationError, "Goal 1: at most 10 objectives"):
            self.save(content(1, 11))
        saved = self.save(content(4, 10))
        self.assertEqual(len(PlanVersion.objects.get(pk=saved.pk).objectives()), 40)

    def test_a_list_holds_at_most_12_rows_and_a_problem_6_themes(self):
        themes = list(Theme.objects.available_to(self.alice).values_list("pk", flat=True)[:7])
        problems = [{"text": f"Problem {n}", "theme_ids": []} for n in range(13)]
        with self.assertRaisesMessage(ValidationError, "at most 12 problems; this one has 13"):
            self.save({"problems": problems, "goals": [], "interventions": []})
        problems = [{"text": "Problem", "theme_ids": themes}]
        with self.assertRaisesMessage(ValidationError, "Problem 1: link at most 6 themes."):
            self.save({"problems": problems, "goals": [], "interventions": []})
        problems[0]["theme_ids"] = themes[:6]
        saved = self.save({"problems": problems, "goals": [], "interventions": []})
        self.assertEqual(len(saved.content["problems"][0]["theme_ids"]), 6)
