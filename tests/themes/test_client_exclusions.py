"""Themes marked "not for this client": never suggested for that client's notes (and only that
client's), undone with "Suggest again", reachable only by the client's own therapist, audited
without naming the theme, and stored encrypted."""

import datetime

from django.urls import reverse

from audit.models import Action, AuditEvent
from sessions.services import erase_client
from tests.audit.helpers import audit_rows, new_entries
from tests.base import make_client, make_session
from tests.builders import session_form
from tests.pages import follow_messages, messages_of
from tests.records import raw_column
from tests.themes.helpers import DISMISSIVE_MOTHER, SuggestTestCase, suggestion_ids
from themes.models import ClientThemeExclusion
from themes.suggest.service import exclude_theme, excluded_theme_ids


class ExclusionTestCase(SuggestTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other_client = make_client(cls.alice, full_name="Another Client Of Alice")

    def setUp(self):
        self.sign_in(self.alice)

    def url(self, client=None) -> str:
        return reverse("client_theme_exclusions", args=[(client or self.alice_client).pk])

    def change(self, action="exclude", theme=None, client=None, session=None, **headers):
        data = {"theme": str((theme or self.maternal_rejection).pk), "action": action}
        if session is not None:
            data["session"] = str(session.pk)
        return self.client.post(self.url(client), data, **headers)

    def offered_ids(self, client=None, text=DISMISSIVE_MOTHER) -> list[int]:
        data = {"text": text}
        if client is not None:
            data["client"] = str(client.pk)
        response = self.client.post(reverse("theme_suggest"), data)
        self.assertEqual(response.status_code, 200)
        return [item["id"] for item in response.json()["themes"]]


class NotForThisClientTests(ExclusionTestCase):
    def test_a_theme_marked_not_for_a_client_is_never_suggested_for_that_client_only(self):
        rejection = self.maternal_rejection.pk
        self.assertIn(rejection, self.offered_ids(self.alice_client))  # control
        response = self.change()
        self.assertEqual(response["Location"], self.url())
        self.assertEqual(
            follow_messages(self.client, response),
            ["That theme will no longer be suggested for this client."],
        )
        self.assertEqual(excluded_theme_ids(self.alice_client), [rejection])

        self.assertNotIn(rejection, self.offered_ids(self.alice_client))
        self.assertIn(self.people_pleasing.pk, self.offered_ids(self.alice_client))
        # Her other client, and a request naming no client, still get it.
        self.assertIn(rejection, self.offered_ids(self.other_client))
        self.assertIn(rejection, self.offered_ids(None))

    def test_the_form_and_the_draft_page_leave_it_out_for_that_client(self):
        exclude_theme(client=self.alice_client, theme=self.maternal_rejection)
        rejection = str(self.maternal_rejection.pk)
        for client, expected in ((self.alice_client, False), (self.other_client, True)):
            with self.subTest(client=client.code):
                page = self.client.post(
                    reverse("session_create", args=[client.pk]),
                    session_form(risk_level="", section_subjective=DISMISSIVE_MOTHER),
                ).content.decode()
                self.assertEqual(rejection in suggestion_ids(page), expected)
                draft = make_session(
                    client, date=datetime.date(2026, 3, 9), note={"subjective": DISMISSIVE_MOTHER}
                )
                page = self.client.get(draft.get_absolute_url()).content.decode()
                self.assertEqual(rejection in suggestion_ids(page), expected)
                self.assertIn(str(self.people_pleasing.pk), suggestion_ids(page))

    def test_suggest_again_undoes_it(self):
        follow_messages(self.client, self.change())
        response = self.change(action="include")
        self.assertEqual(
            follow_messages(self.client, response),
            ["That theme may be suggested for this client again."],
        )
        self.assertEqual(excluded_theme_ids(self.alice_client), [])
        self.assertIn(self.maternal_rejection.pk, self.offered_ids(self.alice_client))

    def test_marking_twice_keeps_one_entry_and_other_themes_stay(self):
        self.change()
        self.change()
        self.change(theme=self.shame)
        self.assertEqual(
            excluded_theme_ids(self.alice_client),
            sorted([self.maternal_rejection.pk, self.shame.pk]),
        )
        self.assertEqual(ClientThemeExclusion.objects.filter(client=self.alice_client).count(), 1)

    def test_the_page_lists_the_excluded_themes_with_suggest_again(self):
        self.change()
        page = self.client.get(self.url()).content.decode()
        excluded = page[page.index('id="excluded-heading"') : page.index('id="exclude-heading"')]
        self.assertIn("Maternal rejection", excluded)
        self.assertIn('value="include"', excluded)
        offered = page[page.index('id="exclude-theme"') :]
        offered = offered[: offered.index("</select>")]
        self.assertNotIn(f'value="{self.maternal_rejection.pk}"', offered)
        self.assertIn(f'value="{self.people_pleasing.pk}"', offered)

    def test_the_client_theme_page_links_to_it(self):
        page = self.client.get(reverse("client_themes", args=[self.alice_client.pk]))
        self.assertContains(page, f'href="{self.url()}"')

    def test_from_a_draft_page_the_button_returns_to_that_note(self):
        draft = make_session(
            self.alice_client,
            date=datetime.date(2026, 3, 9),
            note={"subjective": DISMISSIVE_MOTHER},
        )
        page = self.client.get(draft.get_absolute_url()).content.decode()
        self.assertIn(f'formaction="{self.url()}" name="action" value="exclude"', page)
        response = self.change(session=draft)
        self.assertEqual(response["Location"], draft.get_absolute_url())
        # A note of another client is not a place to return to.
        elsewhere = make_session(self.other_client, date=datetime.date(2026, 3, 9))
        response = self.change(session=elsewhere)
        self.assertEqual(response["Location"], self.url())

    def test_the_page_script_gets_json(self):
        response = self.change(HTTP_ACCEPT="application/json")
        self.assertEqual(response.json(), {"status": "excluded"})
        self.assertEqual(excluded_theme_ids(self.alice_client), [self.maternal_rejection.pk])

    def test_a_garbage_theme_or_action_changes_nothing(self):
        for data in (
            {"theme": "abc", "action": "exclude"},
            {"theme": " 7", "action": "exclude"},
            {"theme": "9" * 5000, "action": "exclude"},
            {"theme": str(self.bob_theme.pk), "action": "exclude"},
            {"theme": str(self.maternal_rejection.pk), "action": "delete"},
            {"theme": str(self.maternal_rejection.pk)},
        ):
            with self.subTest(data=str(data)[:60]):
                response = self.client.post(self.url(), data)
                self.assertEqual(
                    messages_of(self.client.get(response["Location"])),
                    ["That change could not be made. Reload the page."],
                )
                self.assertEqual(excluded_theme_ids(self.alice_client), [])

    def test_the_change_is_audited_without_naming_the_theme(self):
        with new_entries() as entries:
            self.change()
        [entry] = entries
        row = ClientThemeExclusion.objects.get(client=self.alice_client)
        self.assertEqual(
            (entry.action, entry.object_type, entry.object_id, entry.client_code),
            (Action.EDIT_CLIENT, "theme_exclusion", str(row.pk), self.alice_client.code),
        )
        self.assertNotIn("Maternal", repr(audit_rows()))

    def test_the_stored_list_is_encrypted(self):
        exclude_theme(client=self.alice_client, theme=self.maternal_rejection)
        row = ClientThemeExclusion.objects.get(client=self.alice_client)
        stored = raw_column(ClientThemeExclusion, "theme_ids", row.pk)
        self.assertNotIn(f"[{self.maternal_rejection.pk}]".encode(), stored)
        self.assertEqual(stored[0], 2)  # the envelope's version byte (2: bound to its parent)
        self.assertEqual(str(row), "Themes not suggested")

    def test_erasing_the_client_erases_the_list(self):
        exclude_theme(client=self.other_client, theme=self.maternal_rejection)
        erase_client(client=self.other_client)
        self.assertFalse(ClientThemeExclusion.objects.exists())


class OtherTherapistTests(ExclusionTestCase):
    def test_bob_gets_404_for_alices_client_and_nothing_changes(self):
        exclude_theme(client=self.alice_client, theme=self.shame)
        self.sign_in(self.bob)
        before = AuditEvent.objects.count()
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        for action in ("exclude", "include"):
            with self.subTest(action=action):
                response = self.change(action=action, theme=self.shame)
                self.assertEqual(response.status_code, 404)
        self.assertEqual(excluded_theme_ids(self.alice_client), [self.shame.pk])
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_bob_gets_404_asking_for_suggestions_for_alices_client(self):
        self.sign_in(self.bob)
        for client_id in (str(self.alice_client.pk), "not-a-uuid"):
            with self.subTest(client=client_id):
                response = self.client.post(
                    reverse("theme_suggest"), {"text": DISMISSIVE_MOTHER, "client": client_id}
                )
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(b"maternal", response.content)

    def test_bob_reaches_his_own_client_positive_control(self):
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(self.url(self.bob_client)).status_code, 200)
        response = self.change(client=self.bob_client)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(excluded_theme_ids(self.bob_client), [self.maternal_rejection.pk])
        self.assertIn(self.maternal_rejection.pk, self.offered_ids(None))
        self.assertNotIn(self.maternal_rejection.pk, self.offered_ids(self.bob_client))

    def test_bob_cannot_exclude_alices_custom_theme_for_his_client(self):
        alices = self.alice_client.therapist.custom_themes.create(
            slug=f"u{self.alice.pk}-alices-own", name="Alice's own theme", category="attachment"
        )
        self.sign_in(self.bob)
        self.change(client=self.bob_client, theme=alices)
        self.assertEqual(excluded_theme_ids(self.bob_client), [])
