"""The dashboard's unsigned and unfinished notes, and discharging a client: discharged clients
leave the current lists but stay reachable, exportable and in the audit log."""

import datetime
import uuid

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.testing import sign_in
from audit.models import Action
from clients.models import Client, ClientStatus
from tests.audit.helpers import new_entries
from tests.base import ALICE_CANARY_NAME, PersonaTestCase, make_client
from tests.scanning import hits, new_canary
from tests.sessions.helpers import (
    export,
    make_draft,
    make_signed_session,
    messages_of,
    raw_column,
    unzip,
)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def unsigned_section(response) -> str:
    html = response.content.decode()
    start = html.index('id="unsigned-heading"')
    return html[start : html.index("</section>", start)]


class UnsignedNotesTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.alice_session.delete()  # start from a known list
        client = self.alice_client
        self.recent = make_draft(client, date=days_ago(1), note={"subjective": "one"})
        self.oldest = make_draft(client, date=days_ago(10), note={"subjective": "ten"})
        self.boundary = make_draft(client, date=days_ago(5), note={"subjective": "five"})
        self.six = make_draft(client, date=days_ago(6), note={"subjective": "six"})
        self.signed = make_signed_session(client, self.alice, date=days_ago(20))

    def test_unsigned_drafts_are_listed_oldest_first_and_signed_notes_are_not(self):
        response = self.client.get(reverse("dashboard"))
        rows = response.context["unsigned"]
        self.assertEqual(
            [row["session"] for row in rows], [self.oldest, self.six, self.boundary, self.recent]
        )
        section = unsigned_section(response)
        positions = [
            section.index(s.get_absolute_url())
            for s in (self.oldest, self.six, self.boundary, self.recent)
        ]
        self.assertEqual(positions, sorted(positions))
        self.assertNotIn(self.signed.get_absolute_url(), section)
        self.assertIn("(4, oldest first)", section)

    @override_settings(DRAFT_OVERDUE_DAYS=5)
    def test_drafts_older_than_the_configured_days_are_flagged(self):
        response = self.client.get(reverse("dashboard"))
        overdue = {row["session"]: row["overdue"] for row in response.context["unsigned"]}
        self.assertEqual(
            overdue, {self.oldest: True, self.six: True, self.boundary: False, self.recent: False}
        )
        self.assertEqual(unsigned_section(response).count("unsigned for more than 5 days"), 2)

    @override_settings(DRAFT_OVERDUE_DAYS=30)
    def test_with_a_longer_limit_nothing_is_flagged_control(self):
        response = self.client.get(reverse("dashboard"))
        self.assertFalse(any(row["overdue"] for row in response.context["unsigned"]))
        self.assertNotIn("unsigned for more than", unsigned_section(response))

    def test_signing_a_draft_takes_it_off_the_list(self):
        self.client.post(reverse("session_sign", args=[self.oldest.pk]), {"version": "1"})
        response = self.client.get(reverse("dashboard"))
        self.assertNotIn(self.oldest, [row["session"] for row in response.context["unsigned"]])
        self.assertNotIn(self.oldest.get_absolute_url(), unsigned_section(response))

    def test_bob_does_not_see_alices_unsigned_notes(self):
        sign_in(self.client, self.bob)
        response = self.client.get(reverse("dashboard"))
        self.assertEqual(
            [row["session"].client for row in response.context["unsigned"]],
            [self.bob_client] * len(response.context["unsigned"]),
        )
        self.assertNotContains(response, ALICE_CANARY_NAME)


class UnfinishedNewNotesTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def autosave(self, session=None):
        key = uuid.uuid4()
        response = self.client.post(
            reverse("draft_autosave", args=[key]),
            {
                "client": str(self.alice_client.pk),
                "session": str(session.pk) if session else "",
                "seq": "1",
                "plan": "half a thought",
            },
        )
        self.assertEqual(response.status_code, 200)
        return key

    def test_an_autosaved_new_session_is_listed_with_a_link_back_to_it(self):
        self.autosave()
        response = self.client.get(reverse("dashboard"))
        self.assertContains(response, "Autosaved text not yet saved into a note")
        self.assertEqual(
            [d.client for d in response.context["unsaved_drafts"]], [self.alice_client]
        )
        self.assertContains(
            response, f'href="{reverse("session_create", args=[self.alice_client.pk])}"'
        )
        self.assertContains(response, escape(ALICE_CANARY_NAME))

    def test_an_autosaved_edit_of_an_existing_session_is_listed_with_a_link_back_to_it(self):
        self.autosave(session=self.alice_session)
        response = self.client.get(reverse("dashboard"))
        self.assertContains(response, "Autosaved text not yet saved into a note")
        self.assertContains(response, "changes to the note of")
        self.assertContains(
            response, f'href="{reverse("session_edit", args=[self.alice_session.pk])}"'
        )
        self.assertNotContains(response, "a new note")

    def test_bob_does_not_see_alices_unfinished_notes(self):
        self.autosave()
        sign_in(self.client, self.bob)
        response = self.client.get(reverse("dashboard"))
        self.assertNotContains(response, "Autosaved text not yet saved into a note")
        self.assertEqual(list(response.context["unsaved_drafts"]), [])


class DischargeTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.patient = make_client(
            self.alice, full_name="Ottoline Discharge", intake_date=datetime.date(2026, 1, 10)
        )
        self.url = reverse("client_discharge", args=[self.patient.pk])
        self.summary = new_canary("Twelve sessions; mood lifted; referred to a group")

    def discharge(self, on: str):
        return self.client.post(self.url, {"discharge_date": on, "closing_summary": self.summary})

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
