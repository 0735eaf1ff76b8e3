"""Row ids are the server's: a post may name only the rows of the plan it edits (the draft, or
the signed version the draft was copied from), and a new row's id is always one the pattern
accepts, so a forged id can never stop new rows from being added (attack review, L5)."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse

from plans import services
from plans.content import ID_PATTERN, MAX_ID_NUMBER, assign_ids
from plans.models import PlanStatus, PlanVersion
from tests.base import PLAN_CONTENT

from .helpers import PlanTestCase

DAMAGED = "This row&#x27;s id is damaged: reload the page."


class PostedIdTests(PlanTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.url = reverse("plan_edit", args=[self.alice_client.pk])

    def editor_post(self, **changes) -> dict:
        """The editor's post of the signed plan, untouched but for ``changes``."""
        form = self.client.get(self.url).context["form"]
        data = {}
        for name in form.fields:
            value = form[name].value()
            if isinstance(value, list):
                data[name] = [str(v) for v in value]
            elif value not in (None, False):
                data[name] = str(value)
        return data | changes

    def test_an_id_the_plan_never_gave_is_refused_and_nothing_is_saved(self):
        for forged in ("p999999", "p2"):  # too high to follow, and merely unknown
            with self.subTest(forged):
                data = self.editor_post(
                    **{"problem-1-id": forged, "problem-1-text": "Sleeps four hours a night."}
                )
                response = self.client.post(self.url, data)
                self.assertContains(response, DAMAGED)
                self.assertContains(response, "Sleeps four hours a night.")  # kept on the page
                self.assertFalse(PlanVersion.objects.filter(status=PlanStatus.DRAFT).exists())

    def test_a_row_of_another_kind_is_refused(self):
        data = self.editor_post(**{"problem-0-id": "g1"})
        self.assertContains(self.client.post(self.url, data), DAMAGED)

    def test_the_same_row_without_an_id_is_saved_with_the_next_one_control(self):
        data = self.editor_post(**{"problem-1-text": "Sleeps four hours a night."})
        self.assertRedirects(
            self.client.post(self.url, data),
            reverse("plan_detail", args=[self.alice_client.pk]),
        )
        draft = PlanVersion.objects.get(status=PlanStatus.DRAFT)
        self.assertEqual([row["id"] for row in draft.content["problems"]], ["p1", "p2"])

    def test_a_draft_may_name_the_rows_of_the_signed_version_it_was_copied_from(self):
        # The draft dropped the problem; a page opened before that still names it.
        stale = self.editor_post()
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        content = {**PLAN_CONTENT, "problems": []}
        content["goals"] = [{**goal, "problem_ids": []} for goal in PLAN_CONTENT["goals"]]
        services.save_draft(
            version=draft,
            user=self.alice,
            content=content,
            review_date=None,
            expected_version=draft.version,
        )
        draft.refresh_from_db()
        stale |= {"draft": str(draft.pk), "version": str(draft.version)}
        stale.pop("goal-0-problems")  # its link to the problem: the draft offers none now
        self.assertRedirects(
            self.client.post(self.url, stale),
            reverse("plan_detail", args=[self.alice_client.pk]),
        )
        self.assertEqual(
            [row["id"] for row in PlanVersion.objects.get(pk=draft.pk).content["problems"]],
            ["p1"],
        )


class AllocatorTests(PlanTestCase):
    def test_a_forged_highest_id_never_blocks_new_rows(self):
        # An id at the top of the pattern, as an import or an old page could have stored it.
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        content = {**PLAN_CONTENT, "problems": [{**PLAN_CONTENT["problems"][0]}]}
        content["problems"].append({"id": f"p{MAX_ID_NUMBER}", "text": "Forged", "theme_ids": []})
        draft = services.save_draft(
            version=draft,
            user=self.alice,
            content=content,
            review_date=datetime.date(2026, 9, 1),
            expected_version=draft.version,
        )
        services.sign_version(version=draft, user=self.alice)
        # Once signed, for good: every later version must still take new rows.
        for added in ("p2", "p3"):
            draft = services.start_draft(client=self.alice_client, user=self.alice)
            content = draft.content
            content["problems"].append({"text": f"New problem {added}", "theme_ids": []})
            draft = services.save_draft(
                version=draft,
                user=self.alice,
                content=content,
                review_date=draft.review_date,
                expected_version=draft.version,
            )
            self.assertEqual(draft.content["problems"][-1]["id"], added)
            services.sign_version(version=draft, user=self.alice)

    def test_new_ids_always_match_the_pattern_and_were_never_used(self):
        used = {f"o{n}" for n in (1, 2, 4, MAX_ID_NUMBER)}
        content = {
            "problems": [],
            "goals": [{"id": "g1", "objectives": [{"text": "a"}, {"text": "b"}]}],
            "interventions": [],
        }
        ids = [row["id"] for row in assign_ids(content, used)["goals"][0]["objectives"]]
        self.assertEqual(ids, ["o3", "o5"])
        self.assertTrue(all(ID_PATTERN.fullmatch(row_id) for row_id in ids))
        # Below the top, a new id follows the highest, as before (never a removed row's).
        content["goals"][0]["objectives"] = [{"text": "c"}]
        self.assertEqual(assign_ids(content, {"o1", "o7"})["goals"][0]["objectives"][0]["id"], "o8")

    def test_an_id_past_the_pattern_is_still_refused(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        content = {**PLAN_CONTENT, "problems": [{"id": "p1000000", "text": "x", "theme_ids": []}]}
        content["goals"] = [{**goal, "problem_ids": []} for goal in PLAN_CONTENT["goals"]]
        with self.assertRaisesMessage(ValidationError, "Problem 1 has no valid id."):
            services.save_draft(
                version=draft,
                user=self.alice,
                content=content,
                review_date=None,
                expected_version=draft.version,
            )
