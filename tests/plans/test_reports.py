"""plans.reports.plan_report: the latest signed version and every note's progress, as plain
data for the case summary."""

import datetime

from plans import services
from plans.reports import GoalReport, ObjectiveProgress, PlanReport, ProgressEntry, plan_report
from sessions import services as session_services
from tests.base import PLAN_CONTENT, make_client, make_plan, make_session

from .helpers import PlanTestCase


class PlanReportTests(PlanTestCase):
    def test_a_client_without_a_signed_plan_has_no_report(self):
        other = make_client(self.alice, full_name="No Plan")
        self.assertIsNone(plan_report(other))
        make_plan(other, sign=False)
        self.assertIsNone(plan_report(other))

    def test_the_report_holds_the_plan_and_the_progress_oldest_first(self):
        content = {**PLAN_CONTENT, "problems": [{**PLAN_CONTENT["problems"][0]}]}
        content["problems"][0]["theme_ids"] = [self.maternal_rejection.pk]
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        services.save_draft(
            version=draft,
            user=self.alice,
            content=content,
            review_date=datetime.date(2026, 9, 1),
            expected_version=draft.version,
        )
        signed = services.sign_version(version=draft, user=self.alice)
        late = make_session(self.alice_client, date=datetime.date(2026, 4, 20))
        early = make_session(self.alice_client, date=datetime.date(2026, 4, 6))
        for note, rating, comment in ((late, "achieved", "Held firm."), (early, "worse", "")):
            services.record_progress(
                session=note,
                user=self.alice,
                goals_addressed=["g1"],
                objectives={"o1": {"rating": rating, "comment": comment}},
            )
        services.start_draft(client=self.alice_client, user=self.alice)

        report = plan_report(self.alice_client)
        self.assertIsInstance(report, PlanReport)
        self.assertEqual(report.version_number, 2)
        self.assertEqual(report.signed_at, signed.signed_at)
        self.assertEqual(report.signed_by, "Alice")
        self.assertEqual(report.review_date, datetime.date(2026, 9, 1))
        self.assertEqual(
            report.problems,
            (("Feels dismissed by her mother since the baby came.", ("Maternal rejection",)),),
        )
        self.assertEqual(report.interventions, ("Schema work on guilt",))
        self.assertTrue(report.has_draft)
        first = report.goals[0]
        self.assertIsInstance(first, GoalReport)
        self.assertEqual((first.goal_id, first.text), ("g1", "Set limits with her mother"))
        self.assertEqual(
            first.objectives[0],
            ObjectiveProgress(
                objective_id="o1",
                text="Says no to one request a week",
                target_date=datetime.date(2026, 9, 1),
                entries=(
                    (datetime.date(2026, 4, 6), "Worse", "", early.pk, False),
                    (datetime.date(2026, 4, 20), "Achieved", "Held firm.", late.pk, False),
                ),
            ),
        )
        self.assertEqual(first.objectives[1].entries, ())
        self.assertEqual([g.goal_id for g in report.goals], ["g1", "g2"])

    def test_each_entry_says_whether_its_note_is_signed(self):
        # The case summary leaves a draft note's progress out, or marks it: it needs to know.
        signed = make_session(self.alice_client, date=datetime.date(2026, 4, 6))
        draft = make_session(self.alice_client, date=datetime.date(2026, 4, 20))
        for note in (signed, draft):
            services.record_progress(
                session=note,
                user=self.alice,
                goals_addressed=["g1"],
                objectives={"o1": {"rating": "some_progress", "comment": ""}},
            )
        session_services.sign_session(
            session=signed, signer=self.alice, expected_version=signed.version
        )
        entries = plan_report(self.alice_client).goals[0].objectives[0].entries
        self.assertEqual(
            entries,
            (
                ProgressEntry(datetime.date(2026, 4, 6), "Some progress", "", signed.pk, True),
                ProgressEntry(datetime.date(2026, 4, 20), "Some progress", "", draft.pk, False),
            ),
        )
