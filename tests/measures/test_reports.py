"""A client's scores over time (points, reliable change against the previous score and the
baseline), the caseload list of clients needing attention, and a day's risk answers."""

import datetime
import tempfile
from pathlib import Path

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from clients.services import discharge_client
from measures import reports
from tests.base import make_client, make_therapist

from .helpers import record, write_measure

D0 = datetime.date(2026, 1, 5)


def day(weeks: int = 0, days: int = 0) -> datetime.date:
    return D0 + datetime.timedelta(weeks=weeks, days=days)


class ClientHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.client_of_alice = make_client(cls.alice)

    def test_one_history_per_measure_in_catalogue_order_points_oldest_first(self):
        record(self.client_of_alice, "core10", total=20, on=day(1))
        record(self.client_of_alice, "phq9", total=12, on=day(2))
        record(self.client_of_alice, "phq9", total=18, on=day(0))
        histories = reports.client_history(self.client_of_alice)
        self.assertEqual([h.measure.slug for h in histories], ["phq9", "core10"])
        phq9 = histories[0]
        self.assertEqual([p.date for p in phq9.points], [day(0), day(2)])
        self.assertEqual([p.total for p in phq9.points], [18.0, 12.0])
        self.assertEqual(phq9.points[1].band_label, "Moderate")
        self.assertEqual(phq9.points[0].source, "therapist")

    def test_reliable_change_against_the_previous_score_and_the_baseline(self):
        for week, total in enumerate((20, 17, 14, 13, 22)):
            record(self.client_of_alice, "phq9", total=total, on=day(week))
        (history,) = reports.client_history(self.client_of_alice)
        self.assertEqual(
            [(p.change_from_previous, p.change_from_first) for p in history.points],
            [
                (None, None),  # the baseline
                (None, None),  # 3 points: not reliable
                (None, "improved"),  # 6 below the baseline
                (None, "improved"),
                ("worsened", None),  # 9 above the last, 2 above the baseline
            ],
        )
        self.assertEqual((history.baseline.total, history.latest.total), (20.0, 22.0))

    def test_an_incomplete_questionnaire_is_a_point_without_a_total_or_change(self):
        record(self.client_of_alice, "phq9", total=20, on=day(0))
        record(self.client_of_alice, "phq9", answers={1: 0, 9: 1}, on=day(1))
        record(self.client_of_alice, "phq9", total=10, on=day(2))
        (history,) = reports.client_history(self.client_of_alice)
        incomplete = history.points[1]
        self.assertEqual((incomplete.total, incomplete.status), (None, "incomplete"))
        self.assertIsNone(incomplete.change_from_previous)
        self.assertEqual(incomplete.risk_items, (9,))
        # The change of the next point is measured from the last score that had a total.
        self.assertEqual(history.points[2].change_from_previous, "improved")
        self.assertEqual(len(history.scored), 2)

    def test_a_questionnaire_whose_file_was_removed_is_left_out(self):
        with tempfile.TemporaryDirectory() as directory:
            write_measure(Path(directory))
            with override_settings(MEASURES_EXTRA_DIR=directory):
                stored = record(self.client_of_alice, "wellbeing3", total=4)
                self.assertEqual(len(reports.client_history(self.client_of_alice)), 1)
        record(self.client_of_alice, "gad7", total=4)
        self.assertIsNone(type(stored).objects.get(pk=stored.pk).measure_obj)
        self.assertEqual(
            [h.measure.slug for h in reports.client_history(self.client_of_alice)], ["gad7"]
        )

    def test_histories_for_a_caseload_take_the_same_queries_however_many_clients(self):
        clients = [make_client(self.alice) for _ in range(6)]
        for client in clients:
            record(client, "phq9", total=9)
            record(client, "gad7", total=9)
        with CaptureQueriesContext(connection) as two:
            reports.histories_for(clients[:2])
        with CaptureQueriesContext(connection) as six:
            found = reports.histories_for(clients)
        self.assertEqual(len(two), len(six))
        self.assertEqual(set(found), {client.pk for client in clients})
        self.assertEqual(len(found[clients[0].pk]), 2)
        self.assertEqual(
            reports.histories_for([self.client_of_alice]), {self.client_of_alice.pk: []}
        )


class NeedingAttentionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")

    def client_with(self, *scores, slug="phq9", therapist=None, name="Client"):
        client = make_client(therapist or self.alice, full_name=name, intake_date=D0)
        for when, total in scores:
            record(client, slug, total=total, on=when)
        return client

    def attention(self, today=None):
        found = reports.needing_attention(self.alice, today=today or day(30))
        return [(item.client.full_name, item.measure.slug, item.reason) for item in found]

    def test_worsened_reliably_since_the_previous_score(self):
        self.client_with((day(0), 8), (day(1), 15), name="Worse")
        self.assertEqual(
            self.attention(), [("Worse", "phq9", "worsened reliably since 5 Jan 2026")]
        )

    def test_worsened_reliably_since_the_baseline(self):
        self.client_with((day(0), 5), (day(2), 9), (day(4), 12), name="Creeping")
        self.assertEqual(
            self.attention(), [("Creeping", "phq9", "worsened reliably since 5 Jan 2026")]
        )

    def test_a_change_within_the_index_is_not_listed(self):
        self.client_with((day(0), 8), (day(1), 12))
        self.assertEqual(self.attention(), [])

    def test_above_the_cut_off_and_unchanged_for_8_weeks(self):
        self.client_with((day(0), 15), (day(4), 14), (day(8), 16), name="Stuck")
        self.assertEqual(
            self.attention(), [("Stuck", "phq9", "above cut-off and unchanged for 8 weeks")]
        )

    def test_seven_weeks_above_the_cut_off_is_not_yet_listed(self):
        self.client_with((day(0), 15), (day(7, 6), 16))
        self.assertEqual(self.attention(), [])

    def test_a_dip_below_the_cut_off_in_between_is_not_unchanged(self):
        self.client_with((day(0), 12), (day(4), 9), (day(8), 12))
        self.assertEqual(self.attention(), [])

    def test_reliable_improvement_still_above_the_cut_off_is_not_listed(self):
        self.client_with((day(0), 22), (day(8), 15))
        self.assertEqual(self.attention(), [])

    def test_below_the_cut_off_for_8_weeks_is_not_listed(self):
        self.client_with((day(0), 8), (day(9), 9), slug="phq9")
        self.assertEqual(self.attention(), [])

    def test_only_the_therapists_active_clients(self):
        self.client_with((day(0), 8), (day(1), 15), therapist=self.bob, name="Bob's")
        gone = self.client_with((day(0), 8), (day(1), 15), name="Discharged")
        discharge_client(client=gone, discharge_date=day(2), closing_summary="")
        self.assertEqual(self.attention(), [])

    def test_the_dashboard_loads_only_clients_who_took_a_questionnaire(self):
        taken = self.client_with((day(0), 8), name="Took one")
        self.client_with(name="Never asked")
        self.client_with((day(0), 8), therapist=self.bob, name="Bob's")
        names = lambda clients: sorted(c.full_name for c in clients)  # noqa: E731
        self.assertEqual(
            names(reports.attention_clients(self.alice, with_questionnaires_only=True)),
            [taken.full_name],
        )
        # Control: the attention page looks at every active client of hers.
        self.assertEqual(names(reports.attention_clients(self.alice)), ["Never asked", "Took one"])

    def test_scores_after_today_are_not_counted(self):
        self.client_with((day(0), 8), (day(3), 15), name="Later")
        self.assertEqual(self.attention(today=day(2)), [])
        self.assertEqual(len(self.attention(today=day(3))), 1)

    def test_worsening_first_then_by_name_and_each_measure_apart(self):
        self.client_with((day(0), 15), (day(8), 15), name="Aaron")
        zoe = self.client_with((day(0), 3), (day(1), 10), name="Zoe")
        record(zoe, "core10", total=5, on=day(0))
        record(zoe, "core10", total=15, on=day(1))
        self.assertEqual(
            self.attention(),
            [
                ("Zoe", "phq9", "worsened reliably since 5 Jan 2026"),
                ("Zoe", "core10", "worsened reliably since 5 Jan 2026"),
                ("Aaron", "phq9", "above cut-off and unchanged for 8 weeks"),
            ],
        )


class RiskAnswersTests(TestCase):
    def test_the_risk_items_answered_above_0_that_day(self):
        alice = make_therapist("alice")
        client = make_client(alice)
        record(client, "phq9", total=12, risk=2, on=day(0))
        record(client, "core10", total=12, risk=0, on=day(0))
        record(client, "core10", total=12, risk=1, on=day(1))
        found = reports.risk_answers_on(client, day(0))
        self.assertEqual(
            [(measure.slug, item.number, value) for measure, item, value in found],
            [("phq9", 9, 2)],
        )
        self.assertEqual(
            [(m.slug, i.number, v) for m, i, v in reports.risk_answers_on(client, day(1))],
            [("core10", 6, 1)],
        )
        self.assertEqual(reports.risk_answers_on(client, day(2)), [])
