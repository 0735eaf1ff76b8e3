"""The note form's "Treatment plan" aid: the goals a session addressed and each objective's
progress, recorded with the note (created, edited, saved and signed) in the note's own
transaction, encrypted at rest, kept by the autosave, and never at the cost of the note."""

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from plans import services
from plans.models import NoteProgress
from sessions.models import NoteStatus, SessionDraft, TherapySession
from tests.base import make_client, make_plan, make_session
from tests.builders import autosave_form, session_edit_form, session_form
from tests.pages import messages_of
from tests.records import raw_column
from tests.scanning import hits, new_canary

from .helpers import PlanTestCase


def progress_of(session_pk) -> dict:
    return NoteProgress.objects.get(session_id=session_pk).entries


class NoteAidTestCase(PlanTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def create(self, **fields):
        return self.client.post(
            reverse("session_create", args=[self.alice_client.pk]),
            session_form(plan_progress="1", **fields),
        )

    def new_note(self, response) -> TherapySession:
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        return TherapySession.objects.get(pk=response["Location"].strip("/").split("/")[-1])


class AidOnTheFormTests(NoteAidTestCase):
    def test_the_form_offers_the_plans_goals_ratings_and_comments(self):
        response = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
        self.assertContains(response, 'id="plan-aid"')
        self.assertContains(response, "Set limits with her mother")
        self.assertContains(response, 'type="checkbox" name="plan_goal_g1"')
        self.assertContains(response, 'name="plan_rating_o1"')
        for label in ("Worse", "No change", "Some progress", "Achieved"):
            self.assertContains(response, f">{label}</option>")
        self.assertContains(response, 'name="plan_comment_o3"')
        self.assertContains(response, "js/plans_note.js")

    def test_a_client_without_a_signed_plan_has_no_aid_control(self):
        other = make_client(self.alice, full_name="No Plan")
        make_plan(other, sign=False)  # a draft is not the plan yet
        response = self.client.get(reverse("session_create", args=[other.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'id="plan-aid"')
        self.assertNotContains(response, "plan_goal_")

    def test_girp_goals_can_be_inserted_into_the_goal_section(self):
        response = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
        self.assertContains(response, 'data-plan-goal-text="Set limits with her mother"')
        self.assertContains(response, 'data-plan-goal-box="id_plan_goal_g1"')
        self.assertContains(response, 'name="section_goal"')  # the section it writes to


class SavingProgressTests(NoteAidTestCase):
    def test_creating_a_note_stores_its_progress_encrypted(self):
        comment = new_canary("said-no")
        response = self.create(
            plan_goal_g1="on",
            plan_rating_o1="some_progress",
            plan_comment_o1=comment,
            plan_rating_o3="",
            plan_comment_o3="",
        )
        note = self.new_note(response)
        self.assertEqual(
            progress_of(note.pk),
            {
                "goals_addressed": ["g1"],
                "objectives": {"o1": {"rating": "some_progress", "comment": comment}},
            },
        )
        progress = NoteProgress.objects.get(session=note)
        self.assertEqual(progress.plan_version_id, self.signed.pk)
        stored = raw_column(NoteProgress, "entries", progress.pk)
        self.assertEqual(hits(stored, [comment]), [])
        self.assertNotIn(b"some_progress", stored)
        self.assertNotIn(b"g1", stored)

    def test_save_and_sign_stores_the_progress_before_locking_it(self):
        response = self.create(plan_goal_g2="on", plan_rating_o3="achieved", sign="confirmed")
        note = self.new_note(response)
        self.assertEqual(note.status, NoteStatus.SIGNED)
        self.assertEqual(progress_of(note.pk)["objectives"]["o3"]["rating"], "achieved")
        with self.assertRaises(Exception):  # noqa: B017 (locked with the note)
            services.record_progress(
                session=note, user=self.alice, goals_addressed=[], objectives={}
            )

    def test_editing_a_draft_shows_and_changes_its_progress(self):
        note = self.new_note(self.create(plan_goal_g1="on", plan_rating_o1="worse"))
        page = self.client.get(reverse("session_edit", args=[note.pk]))
        self.assertRegex(page.content.decode(), r'name="plan_goal_g1"[^>]*checked')
        self.assertRegex(page.content.decode(), r'<option value="worse" selected>')
        note.refresh_from_db()
        data = session_edit_form(
            note, plan_progress="1", plan_rating_o1="no_change", plan_comment_o1="Better week"
        )
        response = self.client.post(reverse("session_edit", args=[note.pk]), data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            progress_of(note.pk),
            {
                "goals_addressed": [],
                "objectives": {"o1": {"rating": "no_change", "comment": "Better week"}},
            },
        )

    def test_a_bad_rating_shows_the_form_again_and_keeps_the_note_as_a_draft(self):
        before = TherapySession.objects.count()
        typed = "Her mother phoned twice; she did not answer."
        response = self.create(section_subjective=typed, plan_rating_o1="much_better")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Choose worse, no change, some progress or achieved.")
        self.assertContains(response, "Nothing you typed has been lost")
        self.assertContains(response, typed)
        self.assertEqual(TherapySession.objects.count(), before)
        self.assertEqual(NoteProgress.objects.count(), 0)
        draft = SessionDraft.objects.get(author=self.alice, session=None)
        self.assertEqual(draft.payload["plan_rating_o1"], "much_better")
        self.assertEqual(draft.payload["section_subjective"], typed)

    def test_an_objective_not_in_the_plan_is_ignored_with_a_message(self):
        response = self.create(plan_rating_o1="achieved", plan_rating_o99="achieved")
        note = self.new_note(response)
        self.assertEqual(list(progress_of(note.pk)["objectives"]), ["o1"])
        page = self.client.get(response["Location"])
        self.assertTrue(any("not in the client's current plan" in m for m in messages_of(page)))

    def test_a_form_without_the_aid_leaves_recorded_progress_alone(self):
        note = self.new_note(self.create(plan_goal_g1="on"))
        note.refresh_from_db()
        data = session_edit_form(note)  # no plan_progress: the aid was not on that page
        self.client.post(reverse("session_edit", args=[note.pk]), data)
        self.assertEqual(progress_of(note.pk)["goals_addressed"], ["g1"])

    def test_a_note_without_any_progress_stores_no_row_control(self):
        note = self.new_note(self.create())
        self.assertFalse(NoteProgress.objects.filter(session=note).exists())


class AutosaveTests(NoteAidTestCase):
    def test_the_aids_fields_are_autosaved_and_come_back_after_a_reload(self):
        key = uuid.uuid4()
        data = autosave_form(
            client=self.alice_client,
            seq=1,
            **session_form(
                plan_progress="1",
                plan_goal_g2="on",
                plan_rating_o2="no_change",
                plan_comment_o2="Visit on Sunday",
            ),
        )
        saved = self.client.post(reverse("draft_autosave", args=[key]), data)
        self.assertEqual(saved.json()["status"], "saved")
        payload = SessionDraft.objects.get(pk=key).payload
        self.assertEqual(payload["plan_comment_o2"], "Visit on Sunday")
        page = self.client.get(reverse("session_create", args=[self.alice_client.pk])).content
        page = page.decode()
        self.assertRegex(page, r'name="plan_goal_g2"[^>]*checked')
        self.assertNotRegex(page, r'name="plan_goal_g1"[^>]*checked')
        self.assertRegex(
            page,
            r'(?s)<select name="plan_rating_o2"[^>]*>(?:(?!</select>).)*'
            r'<option value="no_change" selected>',
        )
        self.assertIn('value="Visit on Sunday"', page)

    def test_a_goal_unticked_since_the_last_save_comes_back_unticked(self):
        note = self.new_note(self.create(plan_goal_g1="on"))
        note.refresh_from_db()
        data = autosave_form(
            client=self.alice_client,
            session=note,
            seq=1,
            **session_edit_form(note, plan_progress="1"),  # g1 unticked: not posted
        )
        key = uuid.uuid4()
        self.assertEqual(
            self.client.post(reverse("draft_autosave", args=[key]), data).json()["status"],
            "saved",
        )
        page = self.client.get(reverse("session_edit", args=[note.pk])).content.decode()
        self.assertIn("Restored your unsaved text", page)
        self.assertNotRegex(page, r'name="plan_goal_g1"[^>]*checked')


class OwnershipTests(NoteAidTestCase):
    def test_another_therapists_note_cannot_record_against_alices_plan(self):
        note = make_session(self.alice_client, date=datetime.date(2026, 4, 6))
        with self.assertRaises(PermissionDenied):
            services.record_progress(
                session=note, user=self.bob, goals_addressed=["g1"], objectives={}
            )
        bob_note = make_session(self.bob_client)
        with self.assertRaisesMessage(ValidationError, "no signed treatment plan"):
            services.record_progress(
                session=bob_note,
                user=self.bob,
                goals_addressed=["g1"],
                objectives={"o1": {"rating": "achieved"}},
            )
        self.assertFalse(NoteProgress.objects.exists())

    def test_unknown_ids_and_ratings_are_refused_by_the_service(self):
        note = make_session(self.alice_client, date=datetime.date(2026, 4, 6))
        with self.assertRaisesMessage(ValidationError, "Goal g9 is not in the client's"):
            services.record_progress(
                session=note, user=self.alice, goals_addressed=["g9"], objectives={}
            )
        with self.assertRaisesMessage(ValidationError, "is not a rating"):
            services.record_progress(
                session=note,
                user=self.alice,
                goals_addressed=[],
                objectives={"o1": {"rating": "great"}},
            )
        self.assertFalse(NoteProgress.objects.exists())

    def test_bobs_note_form_shows_nothing_of_alices_plan(self):
        self.sign_in(self.bob)
        response = self.client.get(reverse("session_create", args=[self.bob_client.pk]))
        self.assertNotContains(response, "Set limits with her mother")
        self.assertNotContains(response, "plan_goal_")


class NotePageTests(NoteAidTestCase):
    def test_the_note_page_shows_the_goals_addressed_and_the_progress(self):
        note = self.new_note(
            self.create(plan_goal_g1="on", plan_rating_o2="worse", plan_comment_o2="Hard visit")
        )
        page = self.client.get(reverse("session_detail", args=[note.pk]))
        self.assertContains(page, "Treatment plan progress")
        self.assertContains(page, "Set limits with her mother")
        self.assertContains(page, "Guilt after visits below 5 of 10")
        self.assertContains(page, '<span class="badge text-bg-danger">Worse</span>', html=True)
        self.assertContains(page, "Hard visit")

    def test_a_note_without_progress_has_no_panel_control(self):
        page = self.client.get(reverse("session_detail", args=[self.alice_session.pk]))
        self.assertNotContains(page, "Treatment plan progress")
