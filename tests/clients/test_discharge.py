"""Discharging a client: the date and a closing summary are stored (encrypted) and audited;
the client leaves the current lists but stays reachable, exportable and in the audit log."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.testing import sign_in
from audit.models import Action
from clients.models import Client, ClientStatus
from tests.audit.helpers import new_entries
from tests.base import PersonaTestCase, make_client
from tests.builders import discharge_form
from tests.pages import export, messages_of, unzip
from tests.records import raw_column
from tests.scanning import hits, new_canary


class DischargeTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.patient = make_client(
            self.alice, full_name="Ottoline Discharge", intake_date=datetime.date(2026, 1, 10)
        )
        self.url = reverse("client_discharge", args=[self.patient.pk])
        self.summary = new_canary("Twelve sessions; mood lifted; referred to a group")

    def discharge(self, on: str):
        return self.client.post(
            self.url, discharge_form(discharge_date=on, closing_summary=self.summary)
        )

    def test_a_discharge_date_before_intake_is_refused_and_the_summary_kept(self):
        response = self.discharge("2026-01-09")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors["discharge_date"],
            ["The discharge date cannot be before the intake date (10 Jan 2026)."],
        )
        self.assertContains(response, "Nothing you typed has been lost")
        self.assertContains(response, escape(self.summary))
        self.assertContains(response, 'value="2026-01-09"')
        stored = Client.objects.get(pk=self.patient.pk)
        self.assertEqual(
            (stored.status, stored.discharge_date, stored.closing_summary),
            (ClientStatus.ACTIVE, None, ""),
        )

    def test_a_discharge_date_in_the_future_is_refused(self):
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        response = self.discharge(tomorrow)
        self.assertEqual(
            response.context["form"].errors["discharge_date"],
            ["The discharge date cannot be in the future."],
        )
        self.assertEqual(Client.objects.get(pk=self.patient.pk).status, ClientStatus.ACTIVE)

    def test_discharging_stores_date_and_summary_and_is_audited_once(self):
        with new_entries() as entries:
            response = self.discharge("2026-06-30")
        self.assertRedirects(
            response, self.patient.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertEqual([e.action for e in entries], [Action.DISCHARGE_CLIENT])
        self.assertEqual(entries[0].client_code, self.patient.code)
        stored = Client.objects.get(pk=self.patient.pk)
        self.assertEqual(stored.status, ClientStatus.DISCHARGED)
        self.assertEqual(stored.discharge_date, datetime.date(2026, 6, 30))
        self.assertEqual(stored.closing_summary, self.summary)
        self.assertEqual(hits(raw_column(Client, "closing_summary", stored.pk), [self.summary]), [])

        page = self.client.get(self.patient.get_absolute_url())
        self.assertEqual(messages_of(page), ["Client C-0002 discharged."])
        self.assertContains(page, "Closing summary")
        self.assertContains(page, escape(self.summary))
        self.assertContains(page, "30 Jun 2026")
        self.assertNotContains(page, self.url)  # no second discharge offered

    def test_a_discharged_client_leaves_the_current_list_but_stays_reachable(self):
        self.discharge("2026-06-30")
        lists = {
            "": False,
            "active": False,
            "waitlist": False,
            "discharged": True,
            "all": True,
        }
        for status, shown in lists.items():
            with self.subTest(status=status):
                response = self.client.get(reverse("client_list"), {"status": status})
                self.assertEqual(self.patient in response.context["clients"], shown)
                self.assertEqual("Ottoline Discharge" in response.content.decode(), shown)
        # Other clients are still current.
        current = self.client.get(reverse("client_list")).context["clients"]
        self.assertEqual(current, [self.alice_client])
        # Not offered for a new session on the dashboard; still readable and exportable.
        choices = self.client.get(reverse("dashboard")).context["start_form"]
        self.assertNotIn(
            str(self.patient.pk), [v for v, _ in choices.fields["client"].widget.choices]
        )
        self.assertEqual(self.client.get(self.patient.get_absolute_url()).status_code, 200)
        response = export(self.client, self.patient)
        self.assertEqual(response.status_code, 200)
        self.assertIn("record.json", unzip(response))

    def test_bob_cannot_discharge_alices_client(self):
        sign_in(self.client, self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.discharge("2026-06-30").status_code, 404)
        self.assertEqual(Client.objects.get(pk=self.patient.pk).status, ClientStatus.ACTIVE)
