"""The plan pages: the client's plan (current version, draft, versions, progress per objective
over time), the editor (rows added and removed, bad input shown again with everything typed),
signing and discarding a draft with the note's confirmation step, and each old version."""

import copy
import datetime

from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from audit.models import Action, AuditEvent
from encryption.envelope import seal
from encryption.fields import binding_of
from integrity import ledger
from plans import services
from plans.models import PlanStatus, PlanVersion
from sessions import services as session_services
from tests.base import make_client, make_plan, make_session
from tests.builders import plan_form
from tests.pages import follow_messages, messages_of

from .helpers import PlanTestCase, db_id


def url(name: str, client) -> str:
    return reverse(name, args=[client.pk])


class PlanPageTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.early = make_session(cls.alice_client, date=datetime.date(2026, 3, 16))
        cls.late = make_session(cls.alice_client, date=datetime.date(2026, 3, 30))
        # Recorded out of date order: the page shows them oldest first.
        for note, rating, comment in (
            (cls.late, "achieved", "Refused the Sunday visit calmly."),
            (cls.early, "worse", "Gave in to every demand."),
        ):
            services.record_progress(
                session=note,
                user=cls.alice,
                goals_addressed=["g1"],
                objectives={"o1": {"rating": rating, "comment": comment}},
            )
        session_services.sign_session(
            session=cls.early, signer=cls.alice, expected_version=cls.early.version
        )

    def setUp(self):
        self.sign_in(self.alice)

    def test_the_plan_page_shows_the_signed_version_and_progress_over_time(self):
        response = self.client.get(url("plan_detail", self.alice_client))
        self.assertContains(response, "Version 1 signed")
        self.assertContains(response, "1 Jun 2026")  # the review date
        self.assertContains(response, "addressed in 2 notes")
        html = response.content.decode()
        worse, achieved = html.index("Gave in to every demand."), html.index("Refused the Sunday")
        self.assertLess(worse, achieved)
        self.assertContains(response, reverse("session_detail", args=[self.early.pk]))
        self.assertContains(response, reverse("session_detail", args=[self.late.pk]))
        self.assertContains(response, "(draft note)", count=1)
        self.assertContains(response, "signed by Alice")
        entry = AuditEvent.objects.latest("seq")
        self.assertEqual((entry.action, entry.object_id), (Action.VIEW_PLAN, str(self.signed.pk)))

    def test_a_client_without_a_plan_is_offered_one(self):
        other = make_client(self.alice, full_name="No Plan Yet")
        response = self.client.get(url("plan_detail", other))
        self.assertContains(response, "No treatment plan yet")
        self.assertContains(response, url("plan_edit", other))

    def test_opening_the_editor_writes_nothing(self):
        before = PlanVersion.objects.count()
        response = self.client.get(url("plan_edit", self.alice_client))
        self.assertContains(response, "Set limits with her mother")
        self.assertContains(response, 'name="goal-0-objective-1-text"')
        self.assertContains(response, 'name="goal-2-text"')  # the blank row after the 2 goals
        self.assertContains(response, 'id="plan-template-objective"')
        self.assertEqual(PlanVersion.objects.count(), before)

    def test_saving_the_editor_starts_a_draft_copied_from_the_signed_plan(self):
        data = self.posted_plan(**{"goal-0-text": "Set firm limits"})
        response = self.client.post(url("plan_edit", self.alice_client), data)
        self.assertRedirects(response, url("plan_detail", self.alice_client))
        draft = PlanVersion.objects.get(status=PlanStatus.DRAFT)
        self.assertEqual(draft.number, 2)
        self.assertEqual(draft.content["goals"][0]["text"], "Set firm limits")
        self.assertEqual([o["id"] for o in draft.objectives()], ["o1", "o2", "o3"])
        self.assertEqual(PlanVersion.objects.get(pk=self.signed.pk).content, self.signed.content)

    def posted_plan(self, **changes) -> dict:
        """The editor's post of the signed plan, untouched but for ``changes``."""
        form = self.client.get(url("plan_edit", self.alice_client)).context["form"]
        data = {}
        for name in form.fields:
            value = form[name].value()
            if isinstance(value, list):
                data[name] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[name] = "on"
            elif value is not None:
                data[name] = str(value)
        data.update(changes)
        return {name: value for name, value in data.items() if value is not None}

    def test_removing_a_goal_removes_its_objectives_and_the_links_to_it(self):
        data = self.posted_plan(**{"goal-0-remove": "on"})
        self.client.post(url("plan_edit", self.alice_client), data)
        draft = PlanVersion.objects.get(status=PlanStatus.DRAFT)
        self.assertEqual([g["id"] for g in draft.goals()], ["g2"])
        self.assertEqual([o["id"] for o in draft.objectives()], ["o3"])
        self.assertEqual(draft.content["interventions"][0]["goal_ids"], [])

    def test_a_row_added_by_the_page_script_is_saved(self):
        data = self.posted_plan(
            **{
                "goal-1-objective-7-text": "Up before eight on weekdays",
                "goal-1-objective-7-target_date": "2026-11-01",
            }
        )
        self.client.post(url("plan_edit", self.alice_client), data)
        draft = PlanVersion.objects.get(status=PlanStatus.DRAFT)
        added = draft.goals()[1]["objectives"][-1]
        self.assertEqual(
            added, {"id": "o4", "text": "Up before eight on weekdays", "target_date": "2026-11-01"}
        )

    def test_signing_from_the_plan_page_needs_the_confirmation_form(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        page = self.client.get(url("plan_detail", self.alice_client))
        self.assertContains(
            page, '<summary class="btn btn-success">Sign plan…</summary>', html=True
        )
        response = self.client.post(
            url("plan_sign", self.alice_client), {"draft": draft.pk, "version": draft.version}
        )
        self.assertIn("Plan signed as version 2.", " ".join(follow_messages(self.client, response)))
        self.assertEqual(PlanVersion.objects.get(pk=draft.pk).status, PlanStatus.SIGNED)
        old = self.client.get(reverse("plan_version_detail", args=[self.signed.pk]))
        self.assertContains(old, "A newer version has been signed since")
        self.assertContains(old, "Signed by Alice")

    def test_a_stale_sign_request_signs_nothing(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        for data in ({"draft": draft.pk, "version": draft.version + 1}, {"draft": draft.pk}):
            response = self.client.post(url("plan_sign", self.alice_client), data)
            self.assertEqual(response.status_code, 302)
        self.assertEqual(PlanVersion.objects.get(pk=draft.pk).status, PlanStatus.DRAFT)

    def test_a_draft_without_a_review_date_is_not_signed_and_says_why(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        services.save_draft(
            version=draft,
            user=self.alice,
            content=draft.content,
            review_date=None,
            expected_version=draft.version,
        )
        page = self.client.get(url("plan_detail", self.alice_client))
        self.assertContains(page, "Set a review date before signing")
        response = self.client.post(
            url("plan_sign", self.alice_client), {"draft": draft.pk, "version": draft.version}
        )
        self.assertIn("Not signed.", " ".join(follow_messages(self.client, response)))
        self.assertEqual(PlanVersion.objects.get(pk=draft.pk).status, PlanStatus.DRAFT)

    def test_a_draft_can_be_discarded_from_the_page(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        self.client.post(url("plan_discard", self.alice_client), {"draft": draft.pk})
        self.assertFalse(PlanVersion.objects.filter(pk=draft.pk).exists())
        self.assertTrue(PlanVersion.objects.filter(pk=self.signed.pk).exists())


class EditorBadInputTests(PlanTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.other = make_client(self.alice, full_name="New Plan")

    def post(self, **fields):
        return self.client.post(url("plan_edit", self.other), plan_form(**fields))

    def assert_redisplayed(self, response, data):
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Nothing you typed has been lost")
        for name, value in data.items():
            if value and name not in ("version", "draft"):
                with self.subTest(field=name):
                    self.assertContains(response, escape(value))
        self.assertFalse(PlanVersion.objects.filter(client=self.other).exists())

    def test_a_valid_first_plan_is_saved_as_a_draft_control(self):
        response = self.post()
        self.assertEqual(response.status_code, 302)
        draft = PlanVersion.objects.get(client=self.other)
        self.assertEqual(
            draft.content["goals"][0]["objectives"][0],
            {"id": "o1", "text": "Raises one need a week", "target_date": "2026-10-01"},
        )
        self.assertEqual(draft.review_date, datetime.date(2026, 12, 1))

    def test_a_bad_target_date_is_shown_again_with_everything_typed(self):
        typed = {
            "goal-0-objective-0-target_date": "2026-13-45",
            "problem-0-text": "<b>Loud</b> & sad",
        }
        response = self.post(**typed)
        self.assertContains(response, "Enter a date (YYYY-MM-DD).")
        self.assert_redisplayed(response, plan_form(**typed))

    def test_an_objective_without_its_goal_is_refused(self):
        typed = {"goal-0-text": ""}
        response = self.post(**typed)
        self.assertContains(response, "Write the goal its objectives belong to.")
        self.assert_redisplayed(response, plan_form(**typed))

    def test_a_date_without_an_objective_is_refused(self):
        typed = {"goal-0-objective-0-text": ""}
        response = self.post(**typed)
        self.assertContains(response, "Write the objective, or clear its date.")
        self.assert_redisplayed(response, plan_form(**typed))

    def test_too_long_a_text_is_refused(self):
        typed = {"intervention-0-text": "x" * 2_001}
        response = self.post(**typed)
        self.assertContains(response, "at most 2000 characters")
        self.assertFalse(PlanVersion.objects.filter(client=self.other).exists())

    def test_a_link_to_a_row_that_is_not_offered_is_refused_not_a_server_error(self):
        # What a page sends when another tab removed the linked row (found by the fuzz suite).
        for field in ("goal-0-problems", "intervention-0-goals"):
            with self.subTest(field=field):
                response = self.post(**{field: "p9"})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Nothing you typed has been lost")
                self.assertFalse(PlanVersion.objects.filter(client=self.other).exists())

    def test_a_damaged_row_id_is_refused(self):
        response = self.post(**{"goal-0-id": "x'; drop"})
        self.assertContains(response, "This row&#x27;s id is damaged")
        self.assertFalse(PlanVersion.objects.filter(client=self.other).exists())

    def test_a_draft_changed_in_another_tab_is_a_conflict_that_keeps_the_text(self):
        self.assertEqual(self.post().status_code, 302)
        draft = PlanVersion.objects.get(client=self.other)
        stale = {"draft": str(draft.pk), "version": str(draft.version - 1)}
        typed = {**stale, "goal-0-text": "Speak up at home and at work"}
        response = self.post(**typed)
        self.assertContains(response, "The draft was changed since this page was opened.")
        self.assertContains(response, "Speak up at home and at work")
        self.assertContains(response, f'name="version" value="{draft.version}"')
        self.assertEqual(
            PlanVersion.objects.get(pk=draft.pk).goals()[0]["text"], "Speak up at home"
        )
        again = self.client.post(
            url("plan_edit", self.other),
            plan_form(draft=str(draft.pk), version=str(draft.version), **{"goal-0-text": "Again"}),
        )
        self.assertEqual(again.status_code, 302)

    def test_new_problems_can_be_linked_to_goals_once_saved(self):
        self.post()
        page = self.client.get(url("plan_edit", self.other))
        self.assertContains(page, 'name="goal-0-problems" value="p1"')
        self.assertContains(page, "1. Feels unheard at home.")


class OtherTherapistTests(PlanTestCase):
    def test_bob_gets_404_for_every_plan_page_of_alices(self):
        self.sign_in(self.bob)
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        for name in ("plan_detail", "plan_edit"):
            self.assertEqual(self.client.get(url(name, self.alice_client)).status_code, 404)
        for name in ("plan_edit", "plan_sign", "plan_discard"):
            response = self.client.post(
                url(name, self.alice_client), {"draft": draft.pk, "version": draft.version}
            )
            self.assertEqual(response.status_code, 404, name)
        for version in (self.signed, draft):
            page = self.client.get(reverse("plan_version_detail", args=[version.pk]))
            self.assertEqual(page.status_code, 404)
        self.assertEqual(PlanVersion.objects.get(pk=draft.pk).status, PlanStatus.DRAFT)

    def test_alice_reaches_the_same_pages_control(self):
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(url("plan_detail", self.alice_client)).status_code, 200)
        page = self.client.get(reverse("plan_version_detail", args=[self.signed.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertEqual(messages_of(page), [])
        self.assertNotContains(page, "Integrity warning")

    def test_a_version_whose_content_no_longer_matches_its_seal_is_flagged(self):
        # Someone with the database's rights writes validly encrypted other content under the
        # rotation permit and brings the ledger in line: the content seal still catches it.
        forged = copy.deepcopy(self.signed.content)
        forged["goals"][0]["text"] = "No limits needed"
        field = PlanVersion._meta.get_field("content")
        value = seal(
            field.to_bytes(forged),
            label=field.encryption_label,
            row_id=str(self.signed.pk),
            binding=binding_of(self.signed),
        )
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO key_rotation_permit (id) VALUES (1)")
            cursor.execute(
                "UPDATE plans_planversion SET content = %s WHERE id = %s",
                [value, db_id(PlanVersion, self.signed.pk)],
            )
            cursor.execute("DELETE FROM key_rotation_permit")
        ledger.record_rows(PlanVersion, [self.signed.pk], using="default")
        self.sign_in(self.alice)
        page = self.client.get(reverse("plan_version_detail", args=[self.signed.pk]))
        self.assertContains(page, "Integrity warning")
        self.assertNotContains(page, "verified")
        self.assertEqual(AuditEvent.objects.latest("seq").action, Action.INTEGRITY_FAILURE)
        plan = self.client.get(url("plan_detail", self.alice_client))
        self.assertContains(plan, "signed version 1")


class EscapingTests(PlanTestCase):
    def test_plan_text_is_escaped_on_every_page_that_shows_it(self):
        payload = '<script>alert("plan")</script><img src=x onerror=alert(1)>'
        content = copy.deepcopy(self.signed.content)
        content["goals"][0]["text"] = payload
        content["goals"][0]["objectives"][0]["text"] = payload
        other = make_client(self.alice, full_name="Escaped")
        make_plan(other, content=content)
        note = make_session(other)
        services.record_progress(
            session=note,
            user=self.alice,
            goals_addressed=["g1"],
            objectives={"o1": {"rating": "worse", "comment": payload}},
        )
        self.sign_in(self.alice)
        pages = [
            url("plan_detail", other),
            url("plan_edit", other),
            reverse("client_detail", args=[other.pk]),
            reverse("session_create", args=[other.pk]),
            reverse("session_detail", args=[note.pk]),
            reverse("session_edit", args=[note.pk]),
        ]
        for path in pages:
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, payload)
                self.assertContains(response, escape(payload))
