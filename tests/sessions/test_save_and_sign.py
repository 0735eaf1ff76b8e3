"""Save and sign on the note form: saved and signed in one go (through the confirmation step's
button only), or neither; and an addendum is only added, and signed, once confirmed."""

import uuid

from django.urls import reverse
from django.utils.html import escape

from audit.models import Action
from sessions.models import Addendum, NoteStatus, SessionDraft, TherapySession
from tests.audit.helpers import new_entries
from tests.base import PersonaTestCase, make_signed_session
from tests.builders import addendum_form, session_edit_form, session_form
from tests.pages import RedisplayAssertions, follow_messages

SIGN = {"sign": "confirmed"}
TYPED = "Talked through the argument with her sister; calmer by the end."


class SaveAndSignTests(RedisplayAssertions, PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def create_url(self):
        return reverse("session_create", args=[self.alice_client.pk])

    def new_notes(self):
        return TherapySession.objects.filter(client=self.alice_client).exclude(
            pk=self.alice_session.pk
        )

    def test_a_new_note_is_saved_and_signed(self):
        with new_entries() as entries:
            response = self.client.post(
                self.create_url(), session_form(section_subjective=TYPED, **SIGN)
            )
        note = self.new_notes().get()
        self.assertRedirects(response, note.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(note.status, NoteStatus.SIGNED)
        self.assertEqual(note.signed_by, self.alice)
        self.assertEqual(note.note["subjective"], TYPED)
        self.assertTrue(note.integrity_ok())
        self.assertEqual([e.action for e in entries], [Action.CREATE_SESSION, Action.SIGN_SESSION])
        page = self.client.get(note.get_absolute_url())
        self.assertContains(page, "saved and signed. It is now locked")
        self.assertContains(page, "verified")

    def test_the_plain_save_button_only_saves(self):
        self.client.post(self.create_url(), session_form(section_subjective=TYPED))
        self.assertEqual(self.new_notes().get().status, NoteStatus.DRAFT)
        # Any other value of the field is not the confirmation step's button either.
        self.client.post(self.create_url(), session_form(sign="yes", date="2026-01-05"))
        self.assertEqual(
            list(self.new_notes().values_list("status", flat=True)), [NoteStatus.DRAFT] * 2
        )

    def test_a_refused_new_note_signs_nothing_and_comes_back_as_typed(self):
        data = session_form(section_subjective=TYPED, duration_minutes="0", **SIGN)
        with new_entries() as entries:
            response = self.client.post(self.create_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.new_notes().count(), 0)
        self.assertEqual(entries, [])
        self.assertIn("duration_minutes", response.context["form"].errors)
        data.pop("sign")
        self.assert_redisplayed(response, data)
        self.assertContains(response, "Nothing you typed has been lost")
        # The confirmation is asked again: the redisplayed form is not pre-confirmed.
        self.assertNotContains(response, "saved and signed")

    def test_an_edited_draft_is_saved_and_signed(self):
        draft = self.alice_session
        data = session_edit_form(draft, section_subjective=TYPED, **SIGN)
        response = self.client.post(reverse("session_edit", args=[draft.pk]), data)
        self.assertEqual(
            follow_messages(self.client, response),
            [
                "Session of 02 Mar 2026 saved and signed. It is now locked; corrections go in "
                "addenda."
            ],
        )
        stored = TherapySession.objects.get(pk=draft.pk)
        self.assertEqual(stored.status, NoteStatus.SIGNED)
        self.assertEqual(stored.note["subjective"], TYPED)
        self.assertTrue(stored.integrity_ok())

    def test_a_refused_edit_leaves_the_draft_as_it_was(self):
        draft = self.alice_session
        data = session_edit_form(draft, section_subjective=TYPED, risk_level="", **SIGN)
        response = self.client.post(reverse("session_edit", args=[draft.pk]), data)
        self.assertEqual(response.status_code, 200)
        stored = TherapySession.objects.get(pk=draft.pk)
        self.assertEqual(stored.status, NoteStatus.DRAFT)
        self.assertEqual(stored.version, draft.version)
        self.assertNotEqual(stored.note.get("subjective"), TYPED)
        self.assertContains(response, escape(TYPED))
        # What was typed is kept as an autosaved draft, as for a refused plain save.
        self.assertTrue(SessionDraft.objects.filter(session=draft).exists())

    def test_a_stale_edit_signs_nothing(self):
        draft = self.alice_session
        stale = session_edit_form(draft, section_subjective=TYPED, **SIGN)
        self.client.post(
            reverse("session_edit", args=[draft.pk]),
            session_edit_form(draft, plan="Saved in another tab."),
        )
        response = self.client.post(reverse("session_edit", args=[draft.pk]), stale)
        self.assertEqual(response.status_code, 409)
        stored = TherapySession.objects.get(pk=draft.pk)
        self.assertEqual(stored.status, NoteStatus.DRAFT)
        self.assertEqual(stored.plan, "Saved in another tab.")

    def test_the_form_offers_save_and_sign_behind_the_confirmation(self):
        page = self.client.get(self.create_url())
        self.assertContains(page, "Save and sign…")
        self.assertContains(
            page, "Signing locks this note for good: afterwards, corrections can only be added"
        )
        self.assertContains(
            page, '<button type="submit" class="btn btn-success" name="sign" value="confirmed">'
        )


class AddendumConfirmationTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.signed = make_signed_session(self.alice_client, self.alice)

    def url(self):
        return reverse("addendum_create", args=[self.signed.pk])

    def test_an_addendum_without_confirmation_signs_nothing(self):
        text = f"Unconfirmed correction {uuid.uuid4()}"
        with new_entries() as entries:
            response = self.client.post(self.url(), addendum_form(text=text, confirm=None))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Addendum.objects.filter(session=self.signed).exists())
        self.assertEqual(entries, [])
        self.assertContains(response, "Confirm that the addendum is complete")
        self.assertContains(response, escape(text))
        # The confirmation step is open, its button ready.
        self.assertContains(response, '<details class="addendum-confirm" open>')
        self.assertContains(response, 'name="confirm" value="signed"')

    def test_a_confirmed_addendum_is_added_and_signed(self):
        response = self.client.post(self.url(), addendum_form(text="Confirmed correction."))
        self.assertRedirects(response, self.signed.get_absolute_url())
        addendum = Addendum.objects.get(session=self.signed)
        self.assertEqual(addendum.text, "Confirmed correction.")
        self.assertTrue(addendum.integrity_ok())

    def test_the_note_page_asks_for_confirmation(self):
        page = self.client.get(self.signed.get_absolute_url())
        self.assertContains(page, "Add and sign addendum…")
        self.assertContains(page, "The addendum is signed with your name as it is added")
        self.assertContains(page, '<details class="addendum-confirm">')
