"""The therapist's measures pages: entering a questionnaire (partial answers, bad input shown
again), the measures due, a client's measures with charts and tables, the combined view and the
caseload list."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from measures.models import Administration, MeasureSchedule
from tests.base import PersonaTestCase, make_session
from tests.builders import measure_form, posted_by_browser
from tests.measures.helpers import record
from tests.pages import messages_of


class MeasureViewCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def record_url(self, slug="phq9", client=None):
        return reverse("measure_record", args=[(client or self.alice_client).pk, slug])


class RecordMeasureTests(MeasureViewCase):
    def test_the_form_shows_every_item_as_a_radio_group_with_the_licence(self):
        response = self.client.get(self.record_url())
        html = response.content.decode()
        self.assertEqual(html.count('<fieldset class="measure-item'), 9)
        self.assertEqual(html.count('type="radio" class="btn-check" name="item_9"'), 4)
        self.assertIn("Over the last 2 weeks", html)
        self.assertIn("No permission required to reproduce", html)
        self.assertIn(f'value="{timezone.localdate():%Y-%m-%d}"', html)  # today by default

    def test_a_complete_questionnaire_is_stored_scored_and_shown_on_the_client_page(self):
        response = self.client.post(self.record_url(), measure_form("phq9", total=14))
        self.assertRedirects(
            response,
            reverse("client_detail", args=[self.alice_client.pk]) + "#outcome-measures",
            fetch_redirect_response=False,
        )
        stored = Administration.objects.get(client=self.alice_client)
        self.assertEqual(
            (stored.total, stored.status, stored.band_label), (14, "complete", "Moderate")
        )
        self.assertEqual(stored.source, "therapist")
        page = self.client.get(response["Location"])
        self.assertIn("PHQ-9 of", messages_of(page)[0])
        self.assertIn("14 (Moderate)", messages_of(page)[0])
        self.assertContains(page, 'id="outcome-measures"')
        self.assertContains(page, "latest 14 (Moderate)")
        self.assertContains(page, '<svg class="measure-chart')

    def test_two_unanswered_items_are_prorated_and_more_are_incomplete(self):
        self.client.post(self.record_url(), measure_form("phq9", total=8, leave_out=[8, 9]))
        self.client.post(
            self.record_url(),
            measure_form("phq9", total=3, leave_out=[7, 8, 9], administered_on="2026-03-01"),
        )
        statuses = sorted(row.status for row in Administration.objects.all())
        self.assertEqual(statuses, ["incomplete", "prorated"])
        page = self.client.get(reverse("client_measures", args=[self.alice_client.pk]))
        self.assertContains(page, "Not drawn (incomplete")
        self.assertContains(page, "point point-hollow")

    def test_nothing_answered_is_refused_and_the_date_comes_back(self):
        data = measure_form("phq9", total=0, leave_out=range(1, 10), administered_on="2026-02-03")
        response = self.client.post(self.record_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Answer at least one question.")
        self.assertContains(response, 'value="2026-02-03"')
        self.assertFalse(Administration.objects.exists())

    def test_a_future_date_is_refused_with_the_answers_kept(self):
        future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        data = measure_form("phq9", total=5, administered_on=future)
        response = self.client.post(self.record_url(), data)
        self.assertContains(response, "cannot be in the future")
        html = response.content.decode()
        checked = re.findall(
            r'name="(item_\d)" id="[^"]+"\s+value="(\d)" autocomplete="off" checked', html
        )
        self.assertEqual(dict(checked), {k: v for k, v in data.items() if k.startswith("item_")})
        self.assertFalse(Administration.objects.exists())

    def test_a_day_before_1900_or_before_the_clients_birth_is_refused(self):
        # 0001-01-01 made the caseload list fail; 0026 is a typo for 2026. alice's client was
        # born on 1 June 1988.
        cases = {
            "0001-01-01": "cannot be before 1 January 1900",
            "0026-03-02": "cannot be before 1 January 1900: check the year",
            "1988-05-31": "date of birth (1 June 1988): check the year",
        }
        for day, message in cases.items():
            with self.subTest(day):
                data = measure_form("phq9", total=5, administered_on=day)
                response = self.client.post(self.record_url(), data)
                self.assertContains(response, message)
                self.assertContains(response, f'value="{day}"')
        self.assertFalse(Administration.objects.exists())

    def test_the_day_of_birth_itself_is_accepted_control(self):
        data = measure_form("phq9", total=5, administered_on="1988-06-01")
        self.assertEqual(self.client.post(self.record_url(), data).status_code, 302)
        self.assertEqual(Administration.objects.get().administered_on, datetime.date(1988, 6, 1))

    def test_the_same_form_sent_twice_stores_one_questionnaire(self):
        page = self.client.get(self.record_url())
        sent = dict(posted_by_browser(page.content.decode(), "measure-form"))
        self.assertTrue(sent["form_key"])
        sent |= measure_form("phq9", total=14)
        first = self.client.post(self.record_url(), sent)
        second = self.client.post(self.record_url(), sent)  # a double tap
        self.assertEqual(Administration.objects.count(), 1)
        self.assertEqual(second["Location"], first["Location"])
        shown = messages_of(self.client.get(second["Location"]))
        self.assertIn("That PHQ-9 was already recorded (sent twice).", shown)

    def test_a_new_page_of_the_same_answers_stores_another_control(self):
        for _ in range(2):
            page = self.client.get(self.record_url())
            sent = dict(posted_by_browser(page.content.decode(), "measure-form"))
            self.client.post(self.record_url(), sent | measure_form("phq9", total=14))
        self.assertEqual(Administration.objects.count(), 2)

    def test_a_refused_form_can_be_sent_again_once_corrected(self):
        page = self.client.get(self.record_url())
        sent = dict(posted_by_browser(page.content.decode(), "measure-form"))
        sent |= measure_form("phq9", total=14)
        refused = self.client.post(self.record_url(), sent | {"administered_on": "0026-01-01"})
        self.assertContains(refused, f'value="{sent["form_key"]}"')
        self.assertEqual(self.client.post(self.record_url(), sent).status_code, 302)
        self.assertEqual(Administration.objects.count(), 1)

    def test_an_answer_that_is_not_an_option_is_refused(self):
        data = measure_form("phq9", total=5) | {"item_2": "7"}
        response = self.client.post(self.record_url(), data)
        self.assertContains(response, "Choose one of the answers shown.")
        self.assertFalse(Administration.objects.exists())

    def test_an_unknown_questionnaire_is_404(self):
        self.assertEqual(self.client.get(self.record_url("bdi2")).status_code, 404)

    def test_another_therapists_client_is_404(self):
        response = self.client.post(
            self.record_url(client=self.bob_client), measure_form("phq9", total=3)
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Administration.objects.exists())


class ScheduleTests(MeasureViewCase):
    def url(self):
        return reverse("measure_schedule", args=[self.alice_client.pk])

    def test_the_measures_due_are_saved_and_shown_again(self):
        response = self.client.post(self.url(), {"phq9": "every_session", "gad7": "every_4_weeks"})
        self.assertEqual(response.status_code, 302)
        schedule = MeasureSchedule.objects.get(client=self.alice_client)
        self.assertEqual(schedule.due, {"phq9": "every_session", "gad7": "every_4_weeks"})
        page = self.client.get(self.url())
        self.assertRegex(page.content.decode(), r'value="every_session" autocomplete="off" checked')
        client_page = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertContains(client_page, "Due today")

    def test_an_unknown_frequency_is_refused(self):
        response = self.client.post(self.url(), {"phq9": "hourly"})
        self.assertContains(response, "Please choose one of the options")
        self.assertFalse(MeasureSchedule.objects.exists())


class ClientMeasuresPageTests(MeasureViewCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for day, total in ((1, 20), (15, 18), (29, 9)):
            record(cls.alice_client, total=total, on=datetime.date(2026, 1, day))
        record(cls.alice_client, "gad7", total=12, on=datetime.date(2026, 1, 29))

    def test_each_measure_has_a_chart_and_a_table_and_viewing_is_audited(self):
        response = self.client.get(reverse("client_measures", args=[self.alice_client.pk]))
        html = response.content.decode()
        self.assertEqual(html.count('<svg class="measure-chart'), 2)
        self.assertIn("▼ reliably better", html)  # 18 -> 9 on PHQ-9
        self.assertIn('class="change change-improved"', html)
        self.assertIn("29 Jan 2026", html)
        self.assertTrue(
            AuditEvent.objects.filter(
                action=Action.VIEW_MEASURES, client_code=self.alice_client.code
            ).exists()
        )

    def test_the_page_has_no_style_attribute_and_no_inline_script(self):
        response = self.client.get(reverse("client_measures", args=[self.alice_client.pk]))
        html = response.content.decode()
        self.assertNotIn("style=", html)
        self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)")

    def test_the_client_page_links_every_way_of_recording(self):
        page = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        for name in ("measure_choose", "measure_schedule", "client_progress", "client_measures"):
            self.assertContains(page, reverse(name, args=[self.alice_client.pk]))
        self.assertContains(page, reverse("handover_start", args=[self.alice_client.pk, "gad7"]))
        self.assertNotContains(page, "Send a link")  # MEASURES_CLIENT_LINKS is off
        self.assertContains(page, 'href="/static/css/measures.css"')

    def test_bob_gets_404(self):
        self.sign_in(self.bob)
        for name in ("client_measures", "client_progress", "measure_choose", "measure_schedule"):
            with self.subTest(name=name):
                response = self.client.get(reverse(name, args=[self.alice_client.pk]))
                self.assertEqual(response.status_code, 404)


class ProgressPageTests(MeasureViewCase):
    def test_the_combined_view_draws_the_measures_above_the_theme_strip(self):
        make_session(
            self.alice_client,
            date=datetime.date(2026, 3, 9),
            themes=[{"theme": self.maternal_rejection.pk, "intensity": 2}],
        )
        record(self.alice_client, total=16, on=datetime.date(2026, 3, 2))
        record(self.alice_client, total=8, on=datetime.date(2026, 3, 9))
        response = self.client.get(reverse("client_progress", args=[self.alice_client.pk]))
        html = response.content.decode()
        self.assertIn('<svg class="combined-chart', html)
        self.assertIn('class="theme-row"', html)
        self.assertIn("PHQ-9", html)
        self.assertEqual(html.count('<circle class="point'), 2)

    def test_without_a_score_there_is_nothing_to_draw(self):
        response = self.client.get(reverse("client_progress", args=[self.alice_client.pk]))
        self.assertContains(response, "No scored questionnaire")


class AttentionPageTests(MeasureViewCase):
    def test_a_client_whose_score_worsened_reliably_is_listed(self):
        today = timezone.localdate()
        record(self.alice_client, total=5, on=today - datetime.timedelta(days=14))
        record(self.alice_client, total=19, on=today)
        response = self.client.get(reverse("measures_attention"))
        self.assertContains(response, self.alice_client.code)
        self.assertContains(response, "Worsened reliably since")

    def test_bob_sees_none_of_alices_clients(self):
        today = timezone.localdate()
        record(self.alice_client, total=5, on=today - datetime.timedelta(days=14))
        record(self.alice_client, total=19, on=today)
        self.sign_in(self.bob)
        response = self.client.get(reverse("measures_attention"))
        self.assertNotContains(response, self.alice_client.code)
        self.assertContains(response, "No client's scores need attention.")
