"""The dashboard: the sessions and clients seen recently, the notes left unsigned (oldest
first, overdue ones flagged), the autosaved text not yet saved into a note, and the shortcut to
log a session for a chosen client."""

import datetime
import uuid

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.testing import sign_in
from tests.base import ALICE_CANARY_NAME, PersonaTestCase, make_session, make_signed_session
from tests.builders import autosave_form
from tests.pages import messages_of
from tests.sessions.helpers import SessionPagesTestCase


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
        self.recent = make_session(client, date=days_ago(1), note={"subjective": "one"})
        self.oldest = make_session(client, date=days_ago(10), note={"subjective": "ten"})
        self.boundary = make_session(client, date=days_ago(5), note={"subjective": "five"})
        self.six = make_session(client, date=days_ago(6), note={"subjective": "six"})
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
            autosave_form(client=self.alice_client, session=session, plan="half a thought"),
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


class RecentAndShortcutTests(SessionPagesTestCase):
    def test_the_dashboard_lists_the_session_and_the_client_seen_recently(self):
        session = self.log()
        response = self.client.get(reverse("dashboard"))
        self.assertContains(response, session.get_absolute_url())
        # Recent, seen, picker, and the unsigned-notes list (it is still a draft).
        self.assertContains(response, "Henrietta Lowestoft", count=4)
        self.assertEqual([s for s, _ in response.context["recent"]], [session])
        self.assertEqual([row["session"] for row in response.context["unsigned"]], [session])
        seen = response.context["recently_seen"]
        self.assertEqual([(e["client"], e["count"]) for e in seen], [(self.client_obj, 1)])
        html = response.content.decode()
        seen_part = html[html.index("Seen in the last 30 days") :]
        self.assertIn("Henrietta Lowestoft", seen_part)

    def test_a_session_older_than_30_days_is_recent_but_not_seen_recently(self):
        self.log(date=(timezone.localdate() - datetime.timedelta(days=45)).isoformat())
        response = self.client.get(reverse("dashboard"))
        self.assertEqual(len(response.context["recent"]), 1)
        self.assertEqual(response.context["recently_seen"], [])
        self.assertContains(response, "Nobody in the last 30 days")

    def test_the_dashboard_shortcut_opens_the_new_session_form_for_the_chosen_client(self):
        response = self.client.get(reverse("session_start"), {"client": self.client_obj.pk})
        self.assertRedirects(response, self.new_session_url())

    def test_the_dashboard_shortcut_without_a_client_asks_to_choose_one(self):
        response = self.client.get(reverse("session_start"), follow=True)
        self.assertEqual(response.redirect_chain, [(reverse("dashboard"), 302)])
        self.assertEqual(messages_of(response), ["Choose a client to log a session for."])
