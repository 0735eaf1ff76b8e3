"""The client page's "Outcome measures" section (measures.pages, through clients.pages)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from measures import services
from tests.base import PersonaTestCase
from tests.measures.helpers import record


class ClientPageSectionTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def page(self, client=None):
        return self.client.get(reverse("client_detail", args=[(client or self.alice_client).pk]))

    def test_each_measure_has_a_compact_chart_and_its_latest_score(self):
        record(self.alice_client, total=17, on=datetime.date(2026, 2, 2))
        record(self.alice_client, total=12, on=datetime.date(2026, 2, 16))
        record(self.alice_client, "gad7", total=4, on=datetime.date(2026, 2, 16))
        response = self.page()
        html = response.content.decode()
        self.assertEqual(html.count('<svg class="measure-chart'), 2)
        text = " ".join(html.split())
        self.assertIn('PHQ-9 <span class="fw-normal">· latest 12 (Moderate) on 16 Feb 2026', text)
        self.assertIn('GAD-7 <span class="fw-normal">· latest 4 (Minimal) on 16 Feb 2026', text)
        # The section's stylesheet is linked in the head, not in the body.
        head, body = html.split("</head>", 1)
        self.assertIn("css/measures.css", head)
        self.assertNotIn("<link", body)

    def test_a_client_without_questionnaires_gets_the_ways_to_record_one(self):
        response = self.page()
        self.assertContains(response, "No questionnaires yet")
        self.assertContains(response, reverse("measure_choose", args=[self.alice_client.pk]))
        self.assertNotContains(response, '<svg class="measure-chart')
        # Opening the client page is not a view of the measures page (that one is audited).
        self.assertFalse(AuditEvent.objects.filter(action=Action.VIEW_MEASURES).exists())

    def test_the_latest_phq9_with_item_9_answered_shows_a_risk_notice(self):
        record(self.alice_client, total=14, risk=2, on=datetime.date(2026, 2, 2))
        response = self.page()
        self.assertContains(
            response,
            "Current risk: PHQ-9 item 9 answered &#x27;More than half the days&#x27; on 2 Feb 2026",
        )
        self.assertContains(response, 'role="alert"')

    def test_a_later_phq9_without_a_risk_answer_ends_the_notice(self):
        record(self.alice_client, total=14, risk=2, on=datetime.date(2026, 2, 2))
        record(self.alice_client, total=9, risk=0, on=datetime.date(2026, 2, 9))
        self.assertNotContains(self.page(), "Current risk: PHQ-9")

    def test_what_is_due_today_is_shown(self):
        services.set_schedule(
            client=self.alice_client, user=self.alice, due={"gad7": "every_session"}
        )
        self.assertContains(self.page(), "Due today")
        record(self.alice_client, "gad7", total=4, on=timezone.localdate())
        self.assertNotContains(self.page(), "Due today")

    def test_links_are_offered_only_when_the_setting_is_on(self):
        self.assertNotContains(self.page(), "Send a link")
        with self.settings(MEASURES_CLIENT_LINKS=True):
            self.assertContains(self.page(), "Send a link")

    def test_bobs_client_page_shows_nothing_of_alices_scores(self):
        record(self.alice_client, total=21, on=datetime.date(2026, 2, 2))
        self.sign_in(self.bob)
        response = self.page(self.bob_client)
        self.assertContains(response, "No questionnaires yet")
        self.assertNotContains(response, "latest 21")
