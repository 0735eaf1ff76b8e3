"""A dismissed suggestion stays dismissed for that note: after the page is reopened from an
autosave, after the note is saved and edited again, and when dismissed on the draft's own page
without JavaScript. The forms are posted as a browser posts them, hidden inputs included."""

import datetime
import re
import uuid
from html import unescape

from django.db.models import F
from django.urls import reverse

from audit.models import Action
from sessions.models import TherapySession
from tests.audit.helpers import new_entries
from tests.base import make_session, make_signed_session
from tests.builders import autosave_form, session_form
from tests.pages import follow_messages
from tests.records import raw_column
from tests.themes.helpers import DISMISSIVE_MOTHER, SuggestTestCase, suggestion_ids


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}"(?: value="([^"]*)")?', page)
    assert found, f"no hidden input {name!r} on the page"
    return unescape(found.group(1) or "")


class DismissalTestCase(SuggestTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.rejection_id = str(self.maternal_rejection.pk)
        self.pleasing_id = str(self.people_pleasing.pk)

    def new_page(self) -> str:
        return self.client.get(
            reverse("session_create", args=[self.alice_client.pk])
        ).content.decode()

    def redisplay(self, url: str, **fields) -> str:
        """The form posted without a risk level: it comes back with suggestions (no JS)."""
        response = self.client.post(url, session_form(risk_level="", **fields))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()


class DismissalsOnTheFormTests(DismissalTestCase):
    def test_the_new_session_form_has_an_empty_dismissed_list(self):
        self.assertEqual(hidden_value(self.new_page(), "dismissed_themes"), "")

    def test_a_dismissed_theme_is_not_suggested_again_when_the_form_comes_back(self):
        url = reverse("session_create", args=[self.alice_client.pk])
        # Negative control: without the dismissal, both themes are suggested.
        shown = suggestion_ids(self.redisplay(url, section_subjective=DISMISSIVE_MOTHER))
        self.assertIn(self.rejection_id, shown)
        self.assertIn(self.pleasing_id, shown)

        page = self.redisplay(
            url, section_subjective=DISMISSIVE_MOTHER, dismissed_themes=self.rejection_id
        )
        self.assertNotIn(self.rejection_id, suggestion_ids(page))
        self.assertIn(self.pleasing_id, suggestion_ids(page))
        self.assertEqual(hidden_value(page, "dismissed_themes"), self.rejection_id)

    def test_dismissals_survive_reopening_the_page_from_its_autosave(self):
        key = uuid.uuid4()
        # What autosave.js sends after a Dismiss: the whole form, the hidden list included.
        response = self.client.post(
            reverse("draft_autosave", args=[key]),
            autosave_form(
                client=self.alice_client,
                section_subjective=DISMISSIVE_MOTHER,
                dismissed_themes=self.rejection_id,
            ),
        )
        self.assertEqual(response.json()["status"], "saved")

        page = self.new_page()  # the tab was closed; the therapist opens the form again
        self.assertIn(f'name="draft_key" value="{key}"', page)
        self.assertEqual(hidden_value(page, "dismissed_themes"), self.rejection_id)
        # What the page script then asks for, with the restored list.
        data = self.client.post(
            reverse("theme_suggest"),
            {
                "text": DISMISSIVE_MOTHER,
                "client": str(self.alice_client.pk),
                "dismissed": hidden_value(page, "dismissed_themes"),
            },
        ).json()
        offered = [str(item["id"]) for item in data["themes"]]
        self.assertNotIn(self.rejection_id, offered)
        self.assertIn(self.pleasing_id, offered)
        # And the form posted as restored (no JS) does not bring it back either.
        url = reverse("session_create", args=[self.alice_client.pk])
        redisplayed = self.redisplay(
            url,
            draft_key=str(key),
            section_subjective=DISMISSIVE_MOTHER,
            dismissed_themes=hidden_value(page, "dismissed_themes"),
        )
        self.assertNotIn(self.rejection_id, suggestion_ids(redisplayed))

    def test_the_suggest_endpoint_without_the_dismissed_list_offers_it_negative_control(self):
        data = self.client.post(
            reverse("theme_suggest"),
            {"text": DISMISSIVE_MOTHER, "client": str(self.alice_client.pk)},
        ).json()
        self.assertIn(self.maternal_rejection.pk, [item["id"] for item in data["themes"]])

    def test_dismissals_survive_saving_and_editing_the_note(self):
        url = reverse("session_create", args=[self.alice_client.pk])
        response = self.client.post(
            url,
            session_form(section_subjective=DISMISSIVE_MOTHER, dismissed_themes=self.rejection_id),
        )
        self.assertEqual(response.status_code, 302)
        session = TherapySession.objects.get(client=self.alice_client, date=session_form()["date"])
        self.assertEqual(session.dismissed_themes, [self.maternal_rejection.pk])

        # The draft's own page does not offer it; the other suggestion still is (control).
        detail = self.client.get(session.get_absolute_url()).content.decode()
        self.assertNotIn(self.rejection_id, suggestion_ids(detail))
        self.assertIn(self.pleasing_id, suggestion_ids(detail))

        edit_url = reverse("session_edit", args=[session.pk])
        edit_page = self.client.get(edit_url).content.decode()
        self.assertEqual(hidden_value(edit_page, "dismissed_themes"), self.rejection_id)
        # Saved again as loaded: the dismissal is kept.
        response = self.client.post(
            edit_url,
            session_form(
                section_subjective=DISMISSIVE_MOTHER,
                version=hidden_value(edit_page, "version"),
                dismissed_themes=hidden_value(edit_page, "dismissed_themes"),
            ),
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            TherapySession.objects.get(pk=session.pk).dismissed_themes,
            [self.maternal_rejection.pk],
        )

    def test_ids_that_are_not_the_therapists_themes_are_dropped(self):
        url = reverse("session_create", args=[self.alice_client.pk])
        posted = f"abc {self.bob_theme.pk} 99999999 {self.rejection_id} -3 {self.rejection_id}"
        response = self.client.post(
            url, session_form(section_subjective="A quiet week.", dismissed_themes=posted)
        )
        self.assertEqual(response.status_code, 302)
        session = TherapySession.objects.get(client=self.alice_client, date=session_form()["date"])
        self.assertEqual(session.dismissed_themes, [self.maternal_rejection.pk])

    def test_the_stored_dismissals_are_encrypted(self):
        session = make_session(
            self.alice_client, date=datetime.date(2026, 3, 9), dismissed_themes=[123456, 654321]
        )
        stored = raw_column(TherapySession, "dismissed_themes", session.pk)
        self.assertNotIn(b"123456", stored)
        self.assertNotIn(b"654321", stored)
        self.assertEqual(stored[0], 2)  # the envelope's version byte (2: bound to its parent)
        # Positive control: the same values are read back through the model.
        self.assertEqual(
            TherapySession.objects.get(pk=session.pk).dismissed_themes, [123456, 654321]
        )

    def test_dismissals_are_not_part_of_the_conflict_comparison(self):
        form_rows = self.client.get(reverse("session_edit", args=[self.alice_session.pk]))
        rows = [label for label, _ in form_rows.context["form"].comparison_rows()]
        self.assertNotIn("Dismissed themes", rows)
        self.assertIn("Mood / affect", rows)


class DismissOnTheDraftPageTests(DismissalTestCase):
    """The no-JavaScript Dismiss button on a draft's page."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.draft = make_session(
            cls.alice_client, date=datetime.date(2026, 3, 9), note={"subjective": DISMISSIVE_MOTHER}
        )

    def dismiss(self, session=None, **overrides):
        session = session or self.draft
        data = {"theme": self.rejection_id, "version": str(session.version), **overrides}
        return self.client.post(reverse("session_dismiss_theme", args=[session.pk]), data)

    def stored(self, session=None) -> TherapySession:
        return TherapySession.objects.get(pk=(session or self.draft).pk)

    def test_the_draft_page_has_a_dismiss_button_beside_accept(self):
        page = self.client.get(self.draft.get_absolute_url()).content.decode()
        form = re.search(
            rf'<form [^>]*class="suggestion [^"]*">(?:(?!</form>).)*value="{self.rejection_id}"'
            r".*?</form>",
            page,
            re.S,
        ).group(0)
        dismiss_url = reverse("session_dismiss_theme", args=[self.draft.pk])
        self.assertRegex(form, rf'formaction="{dismiss_url}"[^>]*>Dismiss</button>')
        self.assertIn(">Accept</button>", form)

    def test_dismissing_stores_it_and_the_page_no_longer_offers_it(self):
        with new_entries() as entries:
            response = self.dismiss()
        self.assertEqual(
            follow_messages(self.client, response),
            ["That theme will not be suggested again for this note."],
        )
        stored = self.stored()
        self.assertEqual(stored.dismissed_themes, [self.maternal_rejection.pk])
        self.assertEqual(stored.version, self.draft.version + 1)
        self.assertEqual([e.action for e in entries], [Action.EDIT_SESSION])
        page = self.client.get(self.draft.get_absolute_url()).content.decode()
        self.assertNotIn(self.rejection_id, suggestion_ids(page))
        self.assertIn(self.pleasing_id, suggestion_ids(page))
        # Opening the edit form afterwards carries the dismissal on.
        edit_page = self.client.get(reverse("session_edit", args=[self.draft.pk])).content.decode()
        self.assertEqual(hidden_value(edit_page, "dismissed_themes"), self.rejection_id)

    def test_dismissing_twice_changes_nothing_more(self):
        self.dismiss()
        version = self.stored().version
        self.dismiss(version=str(version))
        self.assertEqual(self.stored().dismissed_themes, [self.maternal_rejection.pk])
        self.assertEqual(self.stored().version, version)

    def test_a_stale_version_dismisses_nothing(self):
        TherapySession.objects.filter(pk=self.draft.pk).update(version=F("version") + 1)
        response = self.dismiss()
        self.assertEqual(
            follow_messages(self.client, response),
            ["The note changed since you opened it; nothing was dismissed."],
        )
        self.assertEqual(self.stored().dismissed_themes, [])

    def test_a_garbage_or_foreign_theme_is_refused(self):
        for theme in ("", "abc", " 7", str(self.bob_theme.pk), "99999999999999999999"):
            with self.subTest(theme=theme):
                response = self.dismiss(theme=theme)
                self.assertEqual(
                    follow_messages(self.client, response),
                    ["That suggestion could not be dismissed. Reload the page."],
                )
                self.assertEqual(self.stored().dismissed_themes, [])

    def test_a_signed_note_is_refused(self):
        signed = make_signed_session(
            self.alice_client, self.alice, note={"subjective": DISMISSIVE_MOTHER}
        )
        response = self.dismiss(session=signed)
        self.assertEqual(
            follow_messages(self.client, response),
            ["This note is signed; its suggestions no longer change."],
        )
        stored = self.stored(signed)
        self.assertEqual(stored.dismissed_themes, [])
        self.assertTrue(stored.integrity_ok())

    def test_other_therapist_gets_404_and_the_draft_is_unchanged(self):
        self.sign_in(self.bob)
        response = self.dismiss()
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.stored().dismissed_themes, [])
        self.assertEqual(self.stored().version, self.draft.version)

    def test_get_is_refused(self):
        url = reverse("session_dismiss_theme", args=[self.draft.pk])
        self.assertEqual(self.client.get(url).status_code, 405)
