"""The client page's "Treatment plan" section (clients.pages, filled by plans): the plan's
status and review date, each goal's objectives with the latest progress recorded, a link to the
plan; a way to start one when there is none."""

import datetime

from django.urls import reverse

from plans import services
from tests.base import make_client, make_plan, make_session

from .helpers import PlanTestCase


class ClientPageTests(PlanTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def page(self, client=None):
        return self.client.get(reverse("client_detail", args=[(client or self.alice_client).pk]))

    def test_the_section_shows_goals_objectives_and_the_latest_progress(self):
        for day, rating in ((9, "worse"), (23, "some_progress")):
            note = make_session(self.alice_client, date=datetime.date(2026, 3, day))
            services.record_progress(
                session=note,
                user=self.alice,
                goals_addressed=["g1"],
                objectives={"o1": {"rating": rating, "comment": ""}},
            )
        response = self.page()
        self.assertContains(response, 'id="plan-heading"')
        self.assertContains(response, "Version 1 signed")
        self.assertContains(response, "Review 1 Jun 2026")
        self.assertContains(response, "Set limits with her mother")
        self.assertContains(response, "addressed in 2 notes")
        self.assertContains(
            response, '<span class="badge text-bg-info">Some progress</span>', html=True
        )
        self.assertNotContains(
            response, '<span class="badge text-bg-danger">Worse</span>', html=True
        )
        self.assertContains(response, "no progress yet", count=2)  # o2 and o3
        self.assertContains(response, reverse("plan_detail", args=[self.alice_client.pk]))

    def test_an_overdue_review_is_marked(self):
        other = make_client(self.alice, full_name="Overdue")
        make_plan(other, review_date=datetime.date(2020, 1, 1))
        self.assertContains(
            self.page(other), '<span class="badge text-bg-danger">overdue</span>', html=True
        )

    def test_a_client_without_a_plan_is_offered_one(self):
        other = make_client(self.alice, full_name="No Plan")
        response = self.page(other)
        self.assertContains(response, "No plan yet.")
        self.assertContains(response, reverse("plan_edit", args=[other.pk]))

    def test_a_draft_only_plan_says_so(self):
        other = make_client(self.alice, full_name="Drafting")
        make_plan(other, sign=False)
        self.assertContains(self.page(other), "A draft is being written")

    def test_bobs_client_page_shows_none_of_alices_plan(self):
        self.sign_in(self.bob)
        response = self.page(self.bob_client)
        self.assertContains(response, "No plan yet.")
        self.assertNotContains(response, "Set limits with her mother")
