"""The measures pages and records changed outside the app: a questionnaire deleted from the
database is noticed (the integrity page, 409) on the client's measures, the progress view and
the caseload list, as on the client page; and a questionnaire stored with a day in year 1
(before the services refused days before 1900) no longer breaks the dashboard or the list."""

import datetime
from unittest import mock

from django.urls import reverse

from measures.models import Administration
from tests.base import make_client
from tests.integrity.helpers import TamperTestCase, raw_delete
from tests.measures.helpers import record


class DeletedQuestionnaireTests(TamperTestCase):
    def setUp(self):
        super().setUp()
        self.kept = record(self.alice_client, total=15, on=datetime.date(2026, 1, 5))
        self.deleted = record(self.alice_client, total=22, on=datetime.date(2026, 2, 2))
        raw_delete(Administration, self.deleted.pk)

    def pages(self) -> list[str]:
        return [
            reverse("client_measures", args=[self.alice_client.pk]),
            reverse("client_progress", args=[self.alice_client.pk]),
            reverse("measures_attention"),
        ]

    def test_each_measures_page_refuses_to_show_the_scores_without_it(self):
        for url in self.pages():
            with self.subTest(url):
                self.assert_refused(url)

    def test_without_the_check_the_deletion_goes_unnoticed_negative_control(self):
        with mock.patch("measures.views.check_children"):
            for url in self.pages():
                with self.subTest(url):
                    self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_caseload_list_checks_every_listed_client_in_one_go(self):
        other = make_client(self.alice, full_name="Another Client")
        record(other, total=3, on=datetime.date(2026, 1, 5))
        with mock.patch("measures.views.check_children") as check:
            self.client.get(reverse("measures_attention"))
        (listed,) = check.call_args_list
        self.assertEqual({client.pk for client in listed.args}, {self.alice_client.pk, other.pk})


class YearOneTests(TamperTestCase):
    def setUp(self):
        super().setUp()
        # As a form could store it before: above the cut-off, on 1 January of year 1.
        with mock.patch("measures.services.day_problem", return_value=""):
            record(self.alice_client, total=15, on=datetime.date(1, 1, 1))

    def test_the_dashboard_and_the_caseload_list_still_open(self):
        for name in ("dashboard", "measures_attention"):
            with self.subTest(name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 200)
        page = self.client.get(reverse("client_measures", args=[self.alice_client.pk]))
        self.assertContains(page, "Latest: <strong>15 (Moderately severe)</strong>")
