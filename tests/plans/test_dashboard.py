"""The dashboard's treatment-plan reminders (sessions.panels "dashboard", filled by plans):
signed plans whose review date has passed or comes within a week, linking to the plan."""

import datetime

from django.urls import reverse
from django.utils import timezone

from clients.services import discharge_client
from plans import services
from tests.base import PLAN_CONTENT, make_client, make_plan

from .helpers import PlanTestCase

HEADING = "Treatment plans to review"


class DashboardReminderTests(PlanTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.today = timezone.localdate()

    def dashboard(self):
        return self.client.get(reverse("dashboard"))

    def test_an_overdue_and_a_soon_due_review_are_listed_soonest_first(self):
        soon = make_client(self.alice, full_name="Soon Due")
        make_plan(soon, review_date=self.today + datetime.timedelta(days=5))
        response = self.dashboard()  # alice_client's review (1 Jun 2026) has passed
        self.assertContains(response, HEADING)
        html = response.content.decode()
        self.assertLess(html.index("review overdue since"), html.index("review due"))
        self.assertContains(response, reverse("plan_detail", args=[self.alice_client.pk]))
        self.assertContains(response, reverse("plan_detail", args=[soon.pk]))

    def test_a_review_further_away_is_not_listed_control(self):
        later = make_client(self.alice, full_name="Later")
        make_plan(later, review_date=self.today + datetime.timedelta(days=30))
        self.assertNotContains(self.dashboard(), reverse("plan_detail", args=[later.pk]))

    def test_the_newest_signed_version_holds_the_review_date(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        services.save_draft(
            version=draft,
            user=self.alice,
            content=PLAN_CONTENT,
            review_date=self.today + datetime.timedelta(days=60),
            expected_version=draft.version,
        )
        self.assertContains(self.dashboard(), HEADING)  # a draft is not the plan yet
        services.sign_version(version=draft, user=self.alice)
        self.assertNotContains(self.dashboard(), HEADING)

    def test_discharged_clients_and_bobs_plans_are_not_listed(self):
        discharge_client(client=self.alice_client, discharge_date=self.today, closing_summary="")
        make_plan(self.bob_client, review_date=datetime.date(2020, 1, 1))
        self.assertNotContains(self.dashboard(), HEADING)
