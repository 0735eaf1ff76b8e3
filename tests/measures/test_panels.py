"""What the measures app shows on the sessions pages: the dashboard's "Measures needing
attention", "PHQ-9 due" beside today's appointments, and the risk notice of a questionnaire on
the note of that day and on the note form."""

import datetime

from django.urls import reverse
from django.utils import timezone

from appointments import clock
from appointments import services as appointment_services
from measures import services
from tests.base import PersonaTestCase, make_session
from tests.builders import session_form
from tests.measures.helpers import record

RISK_TEXT = "Current risk: PHQ-9 item 9 answered &#x27;Several days&#x27; on"


class PanelCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.today = timezone.localdate()


class DashboardTests(PanelCase):
    def test_clients_whose_scores_worsened_are_counted_and_listed(self):
        record(self.alice_client, total=4, on=self.today - datetime.timedelta(days=14))
        record(self.alice_client, total=18, on=self.today)
        response = self.client.get(reverse("dashboard"))
        self.assertContains(response, "Measures needing attention")
        self.assertContains(response, reverse("client_measures", args=[self.alice_client.pk]))
        self.assertContains(response, "worsened reliably since")
        self.assertContains(response, reverse("measures_attention"))

    def test_no_panel_when_nothing_needs_attention(self):
        record(self.alice_client, total=4, on=self.today)
        response = self.client.get(reverse("dashboard"))
        self.assertNotContains(response, "Measures needing attention")


class AppointmentMarkTests(PanelCase):
    def book_today(self):
        start = clock.aware(clock.today(), datetime.time(23, 0))
        appointment_services.schedule(
            therapist=self.alice,
            client=self.alice_client,
            start=start,
            details=appointment_services.Details(),
        )

    def test_a_measure_due_is_marked_beside_todays_appointment(self):
        services.set_schedule(
            client=self.alice_client, user=self.alice, due={"phq9": "every_session"}
        )
        self.book_today()
        response = self.client.get(reverse("dashboard"))
        self.assertContains(response, '<span class="badge text-bg-info appt-mark">PHQ-9 due</span>')

    def test_no_mark_once_it_was_completed_today_or_without_a_schedule(self):
        self.book_today()
        self.assertNotContains(self.client.get(reverse("dashboard")), "appt-mark")
        services.set_schedule(
            client=self.alice_client, user=self.alice, due={"phq9": "every_session"}
        )
        record(self.alice_client, total=3, on=clock.today())
        self.assertNotContains(self.client.get(reverse("dashboard")), "PHQ-9 due")


class NoteRiskTests(PanelCase):
    def setUp(self):
        super().setUp()
        self.day = datetime.date(2026, 3, 2)  # the persona's session's day
        record(self.alice_client, total=12, risk=1, on=self.day)

    def test_the_note_of_that_day_shows_the_notice_as_an_alert(self):
        response = self.client.get(reverse("session_detail", args=[self.alice_session.pk]))
        self.assertContains(response, f"{RISK_TEXT} 2 Mar 2026")
        self.assertContains(
            response, '<div class="alert alert-danger measure-risk py-2 mb-2" role="alert">'
        )

    def test_a_note_of_another_day_does_not_negative_control(self):
        other = make_session(self.alice_client, date=datetime.date(2026, 3, 9))
        response = self.client.get(reverse("session_detail", args=[other.pk]))
        self.assertNotContains(response, "Current risk: PHQ-9")

    def test_a_risk_item_answered_not_at_all_raises_nothing(self):
        quiet = make_session(self.alice_client, date=datetime.date(2026, 3, 16))
        record(self.alice_client, total=12, risk=0, on=datetime.date(2026, 3, 16))
        response = self.client.get(reverse("session_detail", args=[quiet.pk]))
        self.assertNotContains(response, "Current risk: PHQ-9")


class NoteFormRiskTests(PanelCase):
    def test_editing_the_note_of_that_day_shows_the_notice(self):
        record(self.alice_client, total=12, risk=1, on=datetime.date(2026, 3, 2))
        response = self.client.get(reverse("session_edit", args=[self.alice_session.pk]))
        html = response.content.decode()
        self.assertIn(RISK_TEXT, html)
        self.assertIn('data-risk-date="2026-03-02"\n      role="alert"', html)

    def test_a_new_note_dated_today_shows_todays_notice_and_hides_others(self):
        record(self.alice_client, total=12, risk=1, on=self.today)
        record(self.alice_client, total=12, risk=1, on=self.today - datetime.timedelta(days=3))
        response = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
        html = response.content.decode()
        self.assertIn(f'data-risk-date="{self.today.isoformat()}"\n      role="alert"', html)
        earlier = (self.today - datetime.timedelta(days=3)).isoformat()
        self.assertIn(f'data-risk-date="{earlier}"\n      hidden', html)
        self.assertContains(response, "js/measures_risk.js")

    def test_a_refused_post_keeps_the_notice_of_the_posted_day(self):
        day = self.today - datetime.timedelta(days=90)  # older than the form's look-back
        record(self.alice_client, total=12, risk=1, on=day)
        data = session_form(date=day.isoformat(), start_time="")  # refused: no time
        response = self.client.post(reverse("session_create", args=[self.alice_client.pk]), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'data-risk-date="{day.isoformat()}"\n      role="alert"')

    def test_no_aid_without_a_risk_answer(self):
        record(self.alice_client, total=12, risk=0, on=self.today)
        response = self.client.get(reverse("session_create", args=[self.alice_client.pk]))
        self.assertNotContains(response, "data-measure-risk")
