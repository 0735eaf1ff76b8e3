"""Autosaved drafts: nothing typed is lost (closed tab, expired sign-in, invalid form), an older
autosave never overwrites a newer one, and two editors never silently overwrite each other."""

import re
import uuid

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.testing import sign_in, sign_in_through_pages
from sessions.models import SessionDraft, TherapySession
from tests.base import PASSWORD, PersonaTestCase, make_client, make_session, make_signed_session
from tests.builders import (
    as_browser_would_post,
    autosave_form,
    session_edit_form,
    session_form,
)
from tests.pages import messages_of
from tests.records import raw_column
from tests.scanning import hits, new_canary

RESTORED = "Restored your unsaved text, autosaved at"


class AutosaveTestCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def autosave(self, key, *, seq, client=None, session=None, base_version="0", **fields):
        data = autosave_form(
            client=client or self.alice_client,
            session=session,
            seq=seq,
            base_version=base_version,
            **fields,
        )
        return self.client.post(reverse("draft_autosave", args=[key]), data)

    def stored(self, key) -> SessionDraft:
        return SessionDraft.objects.get(pk=key)

    def new_session_page(self):
        return self.client.get(reverse("session_create", args=[self.alice_client.pk]))


class SaveAndRestoreTests(AutosaveTestCase):
    def test_reopening_the_new_session_page_restores_the_autosaved_text_and_says_when(self):
        key = uuid.uuid4()
        typed = new_canary("typed before the tab closed")
        response = self.autosave(key, seq=1, section_subjective=typed, mood_affect="Tired")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        saved_at = timezone.localtime(self.stored(key).saved_at)
        self.assertEqual(body["status"], "saved")
        self.assertEqual(body["seq"], 1)
        self.assertEqual(body["saved_at_display"], f"{saved_at:%H:%M}")

        page = self.new_session_page()
        self.assertContains(page, escape(typed))
        self.assertContains(page, 'value="Tired"')
        self.assertIn(f"{RESTORED} {saved_at:%H:%M}", " ".join(messages_of(page)))
        self.assertContains(page, f"{RESTORED} {saved_at:%H:%M}")
        # The page goes on saving into the same draft, after the restored sequence number.
        self.assertContains(page, f'name="draft_key" value="{key}"')
        self.assertContains(page, 'data-seq-start="1"')
        self.assertContains(page, "Discard the autosaved text")

    def test_without_a_draft_the_page_opens_empty_control(self):
        page = self.new_session_page()
        self.assertNotContains(page, RESTORED)
        self.assertContains(page, 'data-seq-start="0"')
        self.assertNotContains(page, "Discard the autosaved text")

    def test_reopening_the_edit_page_restores_text_autosaved_after_the_last_save(self):
        key = uuid.uuid4()
        typed = new_canary("edit in progress")
        session = self.alice_session
        response = self.autosave(
            key, seq=1, session=session, base_version="1", section_subjective=typed
        )
        self.assertEqual(response.status_code, 200)
        page = self.client.get(reverse("session_edit", args=[session.pk]))
        self.assertContains(page, escape(typed))
        self.assertIn(RESTORED, " ".join(messages_of(page)))
        self.assertEqual(page.context["form"]["version"].value(), 1)

    def test_the_draft_payload_is_encrypted_at_rest(self):
        key = uuid.uuid4()
        typed = new_canary("never readable in the file")
        self.autosave(key, seq=1, section_subjective=typed)
        self.assertEqual(self.stored(key).payload, {"section_subjective": typed})
        raw = raw_column(SessionDraft, "payload", key)
        self.assertGreater(len(raw), len(typed))
        self.assertEqual(hits(raw, [typed]), [])

    def test_a_draft_survives_signing_out_and_in_again(self):
        key = uuid.uuid4()
        typed = new_canary("typed before the sign-in expired")
        self.autosave(key, seq=3, section_subjective=typed)
        self.client.post(reverse("logout"))
        self.assertEqual(self.new_session_page().status_code, 302)  # signed out for real
        response = sign_in_through_pages(self.client, "alice", PASSWORD)
        self.assertEqual(response.status_code, 302)
        page = self.new_session_page()
        self.assertContains(page, escape(typed))
        self.assertIn(RESTORED, " ".join(messages_of(page)))
        self.assertContains(page, 'data-seq-start="3"')

    def test_bob_never_sees_alices_draft_on_his_own_pages(self):
        typed = new_canary("alice's draft")
        self.autosave(uuid.uuid4(), seq=1, section_subjective=typed)
        sign_in(self.client, self.bob)
        page = self.client.get(reverse("session_create", args=[self.bob_client.pk]))
        self.assertNotContains(page, escape(typed))
        self.assertNotContains(page, RESTORED)
        self.assertNotContains(self.client.get(reverse("dashboard")), escape(typed))


class SequenceTests(AutosaveTestCase):
    def setUp(self):
        super().setUp()
        self.key = uuid.uuid4()
        self.assertEqual(self.autosave(self.key, seq=5, section_subjective="five").status_code, 200)

    def assert_unchanged(self):
        draft = self.stored(self.key)
        self.assertEqual((draft.seq, draft.payload), (5, {"section_subjective": "five"}))

    def test_an_older_or_equal_sequence_number_is_refused_and_changes_nothing(self):
        for seq in (4, 1, 5):
            with self.subTest(seq=seq):
                response = self.autosave(self.key, seq=seq, section_subjective=f"late {seq}")
                self.assertEqual(response.status_code, 409)
                self.assertEqual(response.json()["status"], "stale")
                self.assert_unchanged()

    def test_a_newer_sequence_number_is_stored_control(self):
        response = self.autosave(self.key, seq=6, section_subjective="six")
        self.assertEqual(response.status_code, 200)
        draft = self.stored(self.key)
        self.assertEqual((draft.seq, draft.payload), (6, {"section_subjective": "six"}))

    def test_a_missing_zero_or_garbage_sequence_number_is_refused_and_changes_nothing(self):
        for seq in (None, "", "0", "-3", "six", "6.5", "0x10", "9" * 30, str(2**63), " 9 "):
            with self.subTest(seq=seq):
                response = self.autosave(self.key, seq=seq, section_subjective="garbage")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["status"], "invalid")
                self.assert_unchanged()

    def test_a_garbage_base_version_is_refused_and_changes_nothing(self):
        for base_version in ("-1", "one", "9" * 30, " 1"):
            with self.subTest(base_version=base_version):
                response = self.autosave(
                    self.key, seq=9, base_version=base_version, section_subjective="garbage"
                )
                self.assertEqual(response.status_code, 400)
                self.assert_unchanged()

    def test_a_bad_sequence_number_on_a_new_key_stores_nothing(self):
        key = uuid.uuid4()
        for seq in (None, "0", "x"):
            with self.subTest(seq=seq):
                self.assertEqual(self.autosave(key, seq=seq, plan="x").status_code, 400)
                self.assertFalse(SessionDraft.objects.filter(pk=key).exists())

    def test_fields_that_are_not_on_the_form_are_not_stored(self):
        response = self.autosave(
            self.key, seq=7, section_subjective="seven", status="signed", author="bob"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.stored(self.key).payload, {"section_subjective": "seven"})


class OwnershipTests(AutosaveTestCase):
    def test_another_therapists_client_session_or_draft_key_gets_404_and_stores_nothing(self):
        alices_key = uuid.uuid4()
        self.autosave(alices_key, seq=1, section_subjective="alice's text")
        drafts_before = SessionDraft.objects.count()
        sign_in(self.client, self.bob)
        attempts = {
            "alice's client": dict(key=uuid.uuid4(), client=self.alice_client),
            "alice's session": dict(
                key=uuid.uuid4(), client=self.bob_client, session=self.alice_session
            ),
            "alice's session under her client": dict(
                key=uuid.uuid4(), client=self.alice_client, session=self.alice_session
            ),
            "alice's draft key": dict(key=alices_key, client=self.bob_client),
        }
        for what, target in attempts.items():
            with self.subTest(what):
                response = self.autosave(
                    target.pop("key"), seq=99, section_subjective="bob's text", **target
                )
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["status"], "not_found")
        self.assertEqual(SessionDraft.objects.count(), drafts_before)
        draft = self.stored(alices_key)
        self.assertEqual((draft.author, draft.seq), (self.alice, 1))
        self.assertEqual(draft.payload, {"section_subjective": "alice's text"})
        # Nor can he discard it.
        response = self.client.post(reverse("draft_discard", args=[alices_key]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(SessionDraft.objects.filter(pk=alices_key).exists())

    def test_a_blank_or_padded_id_is_no_note_and_stores_nothing(self):
        key = uuid.uuid4()
        for field, value in (("session", "   "), ("client", f" {self.alice_client.pk} ")):
            with self.subTest(field=field):
                data = autosave_form(client=self.alice_client, seq=1, plan="x")
                data[field] = value
                response = self.client.post(reverse("draft_autosave", args=[key]), data)
                self.assertEqual(response.status_code, 404)
                self.assertFalse(SessionDraft.objects.filter(pk=key).exists())

    def test_alice_may_save_into_her_own_draft_key_control(self):
        key = uuid.uuid4()
        self.autosave(key, seq=1, section_subjective="first")
        response = self.autosave(key, seq=2, section_subjective="second")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.stored(key).payload, {"section_subjective": "second"})

    def test_a_session_posted_under_another_of_alices_clients_is_refused(self):
        other_client = make_client(self.alice, full_name="Second Client")
        key = uuid.uuid4()
        response = self.autosave(
            key, seq=1, client=other_client, session=self.alice_session, plan="x"
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(SessionDraft.objects.filter(pk=key).exists())

    def test_an_autosave_of_a_signed_note_is_refused_and_stores_nothing(self):
        signed = make_signed_session(self.alice_client, self.alice)
        key = uuid.uuid4()
        response = self.autosave(key, seq=1, session=signed, section_subjective="too late")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["status"], "signed")
        self.assertFalse(SessionDraft.objects.filter(pk=key).exists())

    def test_an_autosave_of_a_draft_note_is_stored_control(self):
        key = uuid.uuid4()
        response = self.autosave(
            key, seq=1, session=self.alice_session, section_subjective="still a draft"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.stored(key).session, self.alice_session)


class SavingAndKeepingTests(AutosaveTestCase):
    def test_saving_the_new_session_deletes_the_pages_draft(self):
        key = uuid.uuid4()
        self.autosave(key, seq=2, section_subjective="almost done")
        self.assertContains(
            self.client.get(reverse("dashboard")), "Autosaved text not yet saved into a note"
        )
        response = self.client.post(
            reverse("session_create", args=[self.alice_client.pk]),
            session_form(section_subjective="done", draft_key=str(key)),
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(SessionDraft.objects.filter(pk=key).exists())
        self.assertNotContains(self.new_session_page(), RESTORED)
        self.assertNotContains(
            self.client.get(reverse("dashboard")), "Autosaved text not yet saved into a note"
        )

    def test_saving_an_edit_deletes_the_pages_draft_and_only_that_one(self):
        key, other_key = uuid.uuid4(), uuid.uuid4()
        session = self.alice_session
        self.autosave(key, seq=1, session=session, base_version="1", plan="edited")
        self.autosave(other_key, seq=1, plan="a new note elsewhere")
        response = self.client.post(
            reverse("session_edit", args=[session.pk]),
            session_edit_form(session, plan="edited", draft_key=str(key)),
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(SessionDraft.objects.filter(pk=key).exists())
        self.assertTrue(SessionDraft.objects.filter(pk=other_key).exists())
        page = self.client.get(reverse("session_edit", args=[session.pk]))
        self.assertNotContains(page, RESTORED)

    def test_an_invalid_new_session_form_keeps_what_was_typed_as_a_draft(self):
        key = uuid.uuid4()
        typed = new_canary("typed into an invalid form")
        response = self.client.post(
            reverse("session_create", args=[self.alice_client.pk]),
            session_form(duration_minutes="0", section_subjective=typed, draft_key=str(key)),
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("duration_minutes", response.context["form"].errors)
        self.assertContains(response, "Nothing you typed has been lost")
        self.assertContains(response, escape(typed))
        self.assertContains(response, 'data-seq-start="1"')
        self.assertEqual(self.stored(key).payload["section_subjective"], typed)
        self.assertEqual(self.stored(key).payload["duration_minutes"], "0")
        # The tab is closed; reopening the page brings the text back.
        page = self.new_session_page()
        self.assertContains(page, escape(typed))
        self.assertIn(RESTORED, " ".join(messages_of(page)))

    def test_an_invalid_edit_keeps_the_typed_text_and_leaves_the_note_unchanged(self):
        key = uuid.uuid4()
        session = self.alice_session
        typed = new_canary("invalid edit")
        response = self.client.post(
            reverse("session_edit", args=[session.pk]),
            session_edit_form(session, duration_minutes="-5", plan=typed, draft_key=str(key)),
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.stored(key).payload["plan"], typed)
        stored = TherapySession.objects.get(pk=session.pk)
        self.assertEqual((stored.plan, stored.version), (session.plan, session.version))
        page = self.client.get(reverse("session_edit", args=[session.pk]))
        self.assertContains(page, escape(typed))


class RestoredDraftOnAnOlderVersionTests(AutosaveTestCase):
    """Regression: a draft typed on top of version 1 and restored after someone saved version 2
    was put into a form saying "version 2", so saving it overwrote version 2 silently."""

    def setUp(self):
        super().setUp()
        self.session = self.alice_session
        self.edit_url = reverse("session_edit", args=[self.session.pk])

    def other_device_saves(self, text: str) -> None:
        response = self.client.post(
            self.edit_url, session_edit_form(self.session, section_subjective=text)
        )
        self.assertEqual(response.status_code, 302)

    def test_saving_a_restored_draft_typed_on_an_older_version_shows_the_conflict(self):
        key = uuid.uuid4()
        self.other_device_saves("Saved on the laptop.")
        # The tablet still had version 1 open; its autosave arrives after the laptop's save.
        self.autosave(
            key, seq=4, session=self.session, base_version="1", section_subjective="Tablet text."
        )
        page = self.client.get(self.edit_url)
        self.assertContains(page, "Tablet text.")
        self.assertEqual(page.context["form"]["version"].value(), 1)
        self.assertContains(page, 'data-base-version="1"')

        response = self.client.post(self.edit_url, as_browser_would_post(page.context["form"]))
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Your changes were not saved", status_code=409)
        self.assertContains(response, "Tablet text.", status_code=409)
        self.assertContains(response, "Saved on the laptop.", status_code=409)
        stored = TherapySession.objects.get(pk=self.session.pk)
        self.assertEqual(stored.note["subjective"], "Saved on the laptop.")
        self.assertEqual(stored.version, 2)

    def test_a_restored_draft_typed_on_the_current_version_saves_control(self):
        key = uuid.uuid4()
        self.autosave(
            key, seq=1, session=self.session, base_version="1", section_subjective="Tablet text."
        )
        page = self.client.get(self.edit_url)
        response = self.client.post(self.edit_url, as_browser_would_post(page.context["form"]))
        self.assertEqual(response.status_code, 302)
        stored = TherapySession.objects.get(pk=self.session.pk)
        self.assertEqual(stored.note["subjective"], "Tablet text.")

    def test_an_invalid_form_kept_after_someone_saved_still_conflicts_when_reopened(self):
        key = uuid.uuid4()
        stale = session_edit_form(self.session, duration_minutes="0", plan="Typed on version 1.")
        self.other_device_saves("Saved on the laptop.")
        response = self.client.post(self.edit_url, {**stale, "draft_key": str(key)})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.stored(key).base_version, 1)

        page = self.client.get(self.edit_url)
        data = as_browser_would_post(page.context["form"])
        data.update(duration_minutes="50")
        response = self.client.post(self.edit_url, data)
        self.assertEqual(response.status_code, 409)
        stored = TherapySession.objects.get(pk=self.session.pk)
        self.assertEqual(stored.note["subjective"], "Saved on the laptop.")
        self.assertEqual(stored.plan, "")


# --- two editors, as a state machine ----------------------------------------------------------

TEXTS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
EDITORS = ("laptop", "tablet")


class TwoEditorsMachine(RuleBasedStateMachine):
    """Two pages (tabs or devices) of the same therapist editing one draft note through the real
    views: opening the edit page, autosaving with arbitrary sequence numbers, and saving.

    The model predicts every answer. Invariants: each stored draft equals the payload of the
    highest sequence number accepted for its key; the stored note is the last accepted save.
    A save is accepted only when the text on the page was typed on top of the current version.
    """

    http = None  # the signed-in django.test.Client, set by the test
    patient = None  # the Client whose session is edited

    @initialize()
    def start(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.session = make_session(self.patient, note={"subjective": "start"})
        self.edit_url = reverse("session_edit", args=[self.session.pk])
        self.version, self.saved_text = 1, "start"
        self.clock = 0
        self.note_saved_at = 0
        self.drafts: dict[uuid.UUID, dict] = {}
        self.pages: dict[str, dict] = {}

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def restorable(self):
        """The draft the edit page restores: the newest, if newer than the last save."""
        newer = [(d["at"], key) for key, d in self.drafts.items() if d["at"] > self.note_saved_at]
        return max(newer)[1] if newer else None

    @rule(editor=st.sampled_from(EDITORS))
    def open_edit_page(self, editor):
        response = self.http.get(self.edit_url)
        assert response.status_code == 200
        form = response.context["form"]
        key = uuid.UUID(str(response.context["draft_key"]))
        restored = RESTORED in " ".join(messages_of(response))
        expected = self.restorable()
        assert restored == (expected is not None), (restored, expected)
        if expected is None:
            assert key not in self.drafts
            basis = self.version
            assert form["section_subjective"].value() == self.saved_text
        else:
            assert key == expected
            draft = self.drafts[key]
            basis = draft["base_version"]
            assert form["section_subjective"].value() == draft["payload"]["section_subjective"]
        base_attr = re.search(r'data-base-version="(\d+)"', response.content.decode())
        self.pages[editor] = {
            "key": key,
            "version": int(form["version"].value()),
            "basis": basis,  # the version the text on this page was typed on top of
            "base_attr": base_attr.group(1),
            "form": True,
        }

    def open_forms(self) -> list[str]:
        return sorted(editor for editor, page in self.pages.items() if page["form"])

    @precondition(lambda self: self.open_forms())
    @rule(data=st.data(), seq=st.integers(min_value=1, max_value=12), text=TEXTS)
    def autosave(self, data, seq, text):
        page = self.pages[data.draw(st.sampled_from(self.open_forms()), label="editor")]
        key = page["key"]
        response = self.http.post(
            reverse("draft_autosave", args=[key]),
            autosave_form(
                client=self.patient,
                session=self.session,
                seq=seq,
                base_version=page["base_attr"],
                section_subjective=text,
            ),
        )
        stored = self.drafts.get(key)
        if stored is None or seq > stored["seq"]:
            assert response.status_code == 200, response.content
            self.drafts[key] = {
                "seq": seq,
                "payload": {"section_subjective": text},
                "base_version": int(page["base_attr"]),
                "at": self.tick(),
            }
        else:
            assert response.status_code == 409, response.content
            assert response.json()["status"] == "stale"

    @precondition(lambda self: self.pages)
    @rule(data=st.data(), text=TEXTS)
    def save(self, data, text):
        editor = data.draw(st.sampled_from(sorted(self.pages)), label="editor")
        page = self.pages[editor]
        key = page["key"]
        posted = session_form(
            date=self.session.date.isoformat(),
            section_subjective=text,
            version=str(page["version"]),
            draft_key=str(key),
        )
        response = self.http.post(self.edit_url, posted)
        if page["basis"] == self.version:
            assert response.status_code == 302, response.status_code
            self.version += 1
            self.saved_text = text
            self.note_saved_at = self.tick()
            self.drafts.pop(key, None)
            del self.pages[editor]  # the browser went on to the session page
        else:
            # Nothing is overwritten; the text is kept as a draft, and the conflict page shows
            # both versions (its "Save my version" button posts the current version).
            assert response.status_code == 409, response.status_code
            stored = self.drafts.get(key)
            self.drafts[key] = {
                "seq": stored["seq"] + 1 if stored else 1,
                "payload": {k: v for k, v in posted.items() if k not in ("draft_key", "version")},
                "base_version": self.version,
                "at": self.tick(),
            }
            self.pages[editor] = {
                "key": key,
                "version": self.version,
                "basis": self.version,
                "base_attr": str(self.version),
                "form": False,
            }

    @invariant()
    def each_draft_holds_the_highest_accepted_autosave(self):
        if not hasattr(self, "session"):
            return
        stored = {d.pk: d for d in SessionDraft.objects.filter(session=self.session)}
        assert set(stored) == set(self.drafts), (set(stored), set(self.drafts))
        for key, draft in self.drafts.items():
            assert stored[key].seq == draft["seq"]
            assert stored[key].payload == draft["payload"]

    @invariant()
    def the_note_is_the_last_accepted_save(self):
        if not hasattr(self, "session"):
            return
        note = TherapySession.objects.get(pk=self.session.pk)
        assert note.version == self.version
        assert note.note.get("subjective") == self.saved_text


@pytest.mark.slow  # started first on a worker (tests/conftest.py)
class TwoEditorsTests(PersonaTestCase):
    def test_two_editors_never_overwrite_each_other_and_late_autosaves_never_win(self):
        sign_in(self.client, self.alice)
        TwoEditorsMachine.http = self.client
        TwoEditorsMachine.patient = self.alice_client
        run_state_machine_as_test(
            TwoEditorsMachine,
            settings=settings(
                max_examples=30,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
