"""The dashboard's treatment-plan reminders (sessions.panels "dashboard", filled by plans):
signed plans whose review date has passed or comes within a week, linking to the plan."""

import datetime

from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Outcome
from clients.services import discharge_client
from plans import services
from plans.models import PlanVersion
from tests.audit.helpers import new_entries
from tests.base import PLAN_CONTENT, make_client, make_plan

from . import test_locks
from .helpers import VERSION_TABLE, PlanTestCase, db_id

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


class TamperedPlanTests(PlanTestCase):
    """A plan version changed outside the application is refused whole on the plan's pages
    (409); on the dashboard it is named in a red panel, and the rest of the day stays usable."""

    WARNING = "A treatment plan could not be checked: C-0001"

    def setUp(self):
        self.sign_in(self.alice)
        self.today = timezone.localdate()
        self.soon = make_client(self.alice, full_name="Soon Due")
        make_plan(self.soon, review_date=self.today + datetime.timedelta(days=5))

    def tamper(self) -> None:
        # The signed version's content written again by raw SQL (a fresh, valid ciphertext of
        # the same content, past the lock as key rotation passes it): only the ledger tells.
        pk = db_id(PlanVersion, self.signed.pk)
        with test_locks.RotationPermit():
            test_locks.execute(
                f"UPDATE {VERSION_TABLE} SET content = %s WHERE id = %s",  # noqa: S608
                [test_locks.resealed(self.signed, "content"), pk],
            )

    def test_the_dashboard_names_the_plan_and_keeps_the_rest(self):
        self.tamper()
        with new_entries() as entries:
            response = self.client.get(reverse("dashboard"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.WARNING)
        self.assertContains(response, "open it to see why")
        self.assertContains(response, reverse("plan_detail", args=[self.alice_client.pk]))
        # The rest of the dashboard: the other client's review, and today's work.
        self.assertContains(response, HEADING)
        self.assertContains(response, reverse("plan_detail", args=[self.soon.pk]))
        self.assertContains(response, "review due")
        self.assertNotContains(response, "review overdue")  # the tampered plan's own review
        failures = [e for e in entries if e.action == Action.INTEGRITY_FAILURE]
        self.assertEqual(len(failures), 1)
        self.assertEqual(
            (failures[0].client_code, failures[0].object_id, failures[0].outcome),
            ("C-0001", str(self.signed.pk), Outcome.FAILED),
        )
        # The plan's own page still refuses it.
        self.assertEqual(
            self.client.get(reverse("plan_detail", args=[self.alice_client.pk])).status_code, 409
        )

    def test_an_untouched_plan_gives_no_warning_control(self):
        response = self.client.get(reverse("dashboard"))
        self.assertNotContains(response, "could not be checked")
        self.assertContains(response, "review overdue since")
