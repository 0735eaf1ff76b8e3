"""Signing locks a note: signer, time and content hash are recorded, and from then on the note
cannot change through any path (views, admin, save(), update(), bulk_update(), raw SQL).
Corrections are addenda, appended under the note. Viewing a signed note checks its hash."""

import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.testing import sign_in
from audit.models import Action, AuditEvent
from encryption.envelope import seal
from encryption.fields import binding_of
from integrity import ledger
from sessions.models import Addendum, NoteStatus, SignedNoteError, TherapySession
from tests.audit.helpers import new_entries
from tests.base import PASSWORD, PersonaTestCase, make_signed_session
from tests.builders import addendum_form, erase_form, session_edit_form, session_form
from tests.pages import follow_messages, messages_of
from tests.records import db_pk, immutability_triggers_off, raw

SIGNED_BADGE = '<span class="badge text-bg-success align-middle fs-6">Signed</span>'
DRAFT_BADGE = '<span class="badge text-bg-warning align-middle fs-6">Draft</span>'
SESSION_TABLE = TherapySession._meta.db_table
ADDENDUM_TABLE = Addendum._meta.db_table


def sign_url(session) -> str:
    return reverse("session_sign", args=[session.pk])


def snapshot(session) -> dict:
    """Every stored field of the row, decrypted, read afresh from the database."""
    fresh = TherapySession.objects.get(pk=session.pk)
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


class SignTestCase(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.draft = self.alice_session
        self.signed = make_signed_session(
            self.alice_client,
            self.alice,
            note={"subjective": "Signed words about her mother."},
            plan="Keep a journal of moments of self-criticism.",
        )

    def raw_update(self, table: str, sql_set: str, params, pk) -> int:
        """A raw UPDATE through the app's connection, in a savepoint; returns rows changed."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {sql_set} WHERE id = %s",  # noqa: S608
                [*params, db_pk(TherapySession, pk)],
            )
            return cursor.rowcount


class SigningTests(SignTestCase):
    def test_signing_records_signer_time_and_hash_and_the_page_shows_signed(self):
        before = timezone.now()
        response = self.client.post(sign_url(self.draft), {"version": "1"})
        self.assertRedirects(response, self.draft.get_absolute_url(), fetch_redirect_response=False)
        signed = TherapySession.objects.get(pk=self.draft.pk)
        self.assertEqual(signed.status, NoteStatus.SIGNED)
        self.assertEqual(signed.signed_by, self.alice)
        self.assertTrue(before <= signed.signed_at <= timezone.now())
        self.assertRegex(signed.content_hash, r"^[0-9a-f]{64}$")
        self.assertEqual(signed.content_hash, signed.content_digest())
        self.assertEqual(signed.note, self.draft.note)  # signing changes no content

        page = self.client.get(self.draft.get_absolute_url())
        self.assertEqual(
            messages_of(page), ["Note signed. It is now locked; corrections go in addenda."]
        )
        self.assertContains(page, SIGNED_BADGE)
        self.assertNotContains(page, DRAFT_BADGE)
        signed_at = timezone.localtime(signed.signed_at)
        self.assertContains(page, f"Signed by Alice on {signed_at:%-d %b %Y, %H:%M}.")
        self.assertContains(page, "verified")
        self.assertNotContains(page, "Sign note")
        self.assertNotContains(page, reverse("session_edit", args=[self.draft.pk]))
        self.assertContains(page, "Add and sign addendum")

    def test_a_draft_shows_draft_and_offers_sign_and_edit_control(self):
        page = self.client.get(self.draft.get_absolute_url())
        self.assertContains(page, DRAFT_BADGE)
        self.assertContains(page, "Sign note")
        self.assertContains(page, reverse("session_edit", args=[self.draft.pk]))
        self.assertNotContains(page, "Add and sign addendum")

    def test_signing_twice_says_so_and_changes_nothing(self):
        response = self.client.post(sign_url(self.draft), {"version": "1"})
        self.assertEqual(
            follow_messages(self.client, response),
            ["Note signed. It is now locked; corrections go in addenda."],
        )
        first = snapshot(self.draft)
        for version in ("1", "2", ""):
            with self.subTest(version=version):
                response = self.client.post(sign_url(self.draft), {"version": version})
                self.assertEqual(
                    follow_messages(self.client, response),
                    ["This note was already signed; nothing was changed."],
                )
                self.assertEqual(snapshot(self.draft), first)

    def test_signing_a_version_that_is_no_longer_current_signs_nothing(self):
        # Another tab saved an edit: version 2. This tab's sign button still says version 1.
        response = self.client.post(
            reverse("session_edit", args=[self.draft.pk]),
            session_edit_form(self.draft, plan="Added in the other tab."),
        )
        self.assertEqual(follow_messages(self.client, response), ["Session updated."])
        before = snapshot(self.draft)
        self.assertEqual(before["version"], 2)
        for version in ("1", "3", "9" * 30):
            with self.subTest(version=version):
                response = self.client.post(sign_url(self.draft), {"version": version})
                messages = follow_messages(self.client, response)
                self.assertEqual(len(messages), 1)
                self.assertTrue(messages[0].startswith("The note changed since you opened it"))
                self.assertEqual(snapshot(self.draft), before)

    def test_a_sign_request_without_a_version_signs_nothing(self):
        before = snapshot(self.draft)
        for data in ({}, {"version": "one"}, {"version": ""}):
            with self.subTest(data=data):
                response = self.client.post(sign_url(self.draft), data)
                self.assertEqual(
                    follow_messages(self.client, response),
                    ["The sign request did not say which version to sign. Try again."],
                )
                self.assertEqual(snapshot(self.draft), before)

    def test_signing_is_post_only_and_bob_gets_404(self):
        self.assertEqual(self.client.get(sign_url(self.draft)).status_code, 405)
        sign_in(self.client, self.bob)
        self.assertEqual(self.client.post(sign_url(self.draft), {"version": "1"}).status_code, 404)
        self.assertEqual(TherapySession.objects.get(pk=self.draft.pk).status, NoteStatus.DRAFT)


class SignedNoteViewsTests(SignTestCase):
    def test_opening_the_edit_page_of_a_signed_note_redirects_with_a_message(self):
        response = self.client.get(reverse("session_edit", args=[self.signed.pk]))
        self.assertRedirects(
            response, self.signed.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertEqual(
            follow_messages(self.client, response),
            ["This note is signed and cannot be changed. Add an addendum instead."],
        )

    def test_a_crafted_edit_post_to_a_signed_note_changes_nothing(self):
        before = snapshot(self.signed)
        attempts = {
            "right version": session_edit_form(self.signed, plan="Rewritten history."),
            "no version": session_form(plan="Rewritten history."),
            "future version": session_edit_form(
                self.signed, plan="Rewritten history.", version="99"
            ),
        }
        for what, data in attempts.items():
            with self.subTest(what):
                response = self.client.post(reverse("session_edit", args=[self.signed.pk]), data)
                self.assertRedirects(
                    response, self.signed.get_absolute_url(), fetch_redirect_response=False
                )
                self.assertEqual(
                    follow_messages(self.client, response),
                    ["This note is signed and cannot be changed. Add an addendum instead."],
                )
                self.assertEqual(snapshot(self.signed), before)

    def test_the_same_edit_post_to_a_draft_changes_it_control(self):
        response = self.client.post(
            reverse("session_edit", args=[self.draft.pk]),
            session_edit_form(self.draft, plan="Rewritten while still a draft."),
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            TherapySession.objects.get(pk=self.draft.pk).plan, "Rewritten while still a draft."
        )


class ImmutabilityTests(SignTestCase):
    def test_model_save_of_a_signed_note_raises(self):
        before = snapshot(self.signed)
        session = TherapySession.objects.get(pk=self.signed.pk)
        session.plan = "Changed through save()."
        with self.assertRaises(SignedNoteError):
            session.save()
        with self.assertRaises(SignedNoteError):
            session.save(update_fields=["plan"])
        self.assertEqual(snapshot(self.signed), before)

    def test_model_save_of_a_draft_works_control(self):
        session = TherapySession.objects.get(pk=self.draft.pk)
        session.plan = "Changed through save()."
        session.save()
        self.assertEqual(TherapySession.objects.get(pk=self.draft.pk).plan, session.plan)

    def test_queryset_update_touching_a_signed_note_raises_and_changes_no_row(self):
        before_signed, before_draft = snapshot(self.signed), snapshot(self.draft)
        for queryset in (
            TherapySession.objects.filter(pk=self.signed.pk),
            TherapySession.objects.filter(client=self.alice_client),  # a draft and a signed
            TherapySession.objects.all(),
        ):
            with (
                self.subTest(query=str(queryset.query)[-60:]),
                self.assertRaises(SignedNoteError),
                transaction.atomic(),
            ):
                queryset.update(duration_minutes=10)
        with self.assertRaises(SignedNoteError), transaction.atomic():
            TherapySession.objects.filter(pk=self.signed.pk).update(status=NoteStatus.DRAFT)
        self.assertEqual(snapshot(self.signed), before_signed)
        self.assertEqual(snapshot(self.draft), before_draft)

    def test_queryset_update_of_drafts_only_works_control(self):
        changed = TherapySession.objects.filter(pk=self.draft.pk).update(duration_minutes=10)
        self.assertEqual(changed, 1)
        self.assertEqual(TherapySession.objects.get(pk=self.draft.pk).duration_minutes, 10)

    def test_bulk_update_touching_a_signed_note_raises(self):
        before = snapshot(self.signed)
        sessions = list(TherapySession.objects.filter(client=self.alice_client))
        for session in sessions:
            session.plan = "Bulk rewrite."
        with self.assertRaises((SignedNoteError, IntegrityError)), transaction.atomic():
            TherapySession.objects.bulk_update(sessions, ["plan"])
        self.assertEqual(snapshot(self.signed), before)
        self.assertNotEqual(TherapySession.objects.get(pk=self.draft.pk).plan, "Bulk rewrite.")

    def test_the_admin_cannot_change_a_signed_note(self):
        get_user_model().objects.create_superuser("root", password=PASSWORD)
        sign_in(self.client, get_user_model().objects.get(username="root"))
        url = reverse("admin:therapy_sessions_therapysession_change", args=[self.signed.pk])
        before = snapshot(self.signed)
        page = self.client.get(url)
        self.assertIn(page.status_code, (200, 403))
        if page.status_code == 200:  # a read-only view: nothing to type into, nothing to save
            html = page.content.decode()
            self.assertNotIn('name="_save"', html)
            for field in ("date", "start_time", "duration_minutes", "note_format", "plan"):
                self.assertNotIn(f'name="{field}"', html)
            self.assertContains(page, self.alice_client.code)
        response = self.client.post(
            url,
            {"date": "2020-01-01", "start_time": "08:00", "duration_minutes": "5", "_save": "1"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(snapshot(self.signed), before)

    def test_a_raw_sql_update_of_a_signed_note_is_refused_by_the_database(self):
        before = snapshot(self.signed)
        for sql_set, params in (
            ("duration_minutes = %s", [5]),
            ("status = %s", ["draft"]),
            ("plan = %s", [self.draft_ciphertext("plan")]),
            ("content_hash = %s", ["0" * 64]),
        ):
            with self.subTest(sql_set=sql_set):
                with self.assertRaises(IntegrityError):
                    self.raw_update(SESSION_TABLE, sql_set, params, self.signed.pk)
                self.assertEqual(snapshot(self.signed), before)

    def test_the_same_raw_sql_update_of_a_draft_succeeds_control(self):
        changed = self.raw_update(SESSION_TABLE, "duration_minutes = %s", [5], self.draft.pk)
        self.assertEqual(changed, 1)
        # Read as stored: the integrity ledger (rightly) refuses a row changed outside the app.
        (stored,) = raw(
            f"SELECT duration_minutes FROM {SESSION_TABLE} WHERE id = %s",  # noqa: S608
            [db_pk(TherapySession, self.draft.pk)],
        )
        self.assertEqual(stored, (5,))

    def draft_ciphertext(self, column: str) -> bytes:
        (value,) = raw(
            f"SELECT {column} FROM {SESSION_TABLE} WHERE id = %s",  # noqa: S608
            [db_pk(TherapySession, self.draft.pk)],
        )[0]
        return bytes(value)

    def test_erasing_a_client_with_signed_notes_still_works(self):
        Addendum.objects.create(
            session=self.signed, author=self.alice, text="A later correction.", content_hash="0"
        )
        response = self.client.post(
            reverse("client_erase", args=[self.alice_client.pk]), erase_form(self.alice_client)
        )
        self.assertRedirects(response, reverse("client_list"), fetch_redirect_response=False)
        self.assertFalse(TherapySession.objects.filter(pk=self.signed.pk).exists())
        self.assertFalse(Addendum.objects.filter(session_id=self.signed.pk).exists())


class AddendumTests(SignTestCase):
    def add(self, session, text: str):
        return self.client.post(
            reverse("addendum_create", args=[session.pk]), addendum_form(text=text)
        )

    def test_an_addendum_is_appended_under_the_note_with_author_and_time(self):
        before_note = snapshot(self.signed)
        start = timezone.now()
        response = self.add(self.signed, "Correction: the visit was on Sunday, not Saturday.")
        self.assertEqual(follow_messages(self.client, response), ["Addendum added and signed."])
        addendum = Addendum.objects.get(session=self.signed)
        self.assertEqual(addendum.author, self.alice)
        self.assertTrue(start <= addendum.created_at <= timezone.now())
        self.assertEqual(addendum.content_hash, addendum.content_digest())
        self.assertEqual(snapshot(self.signed), before_note)  # the original is untouched

        page = self.client.get(self.signed.get_absolute_url())
        html = page.content.decode()
        original = html.index(escape("Signed words about her mother."))
        appended = html.index("Correction: the visit was on Sunday")
        self.assertLess(original, appended)
        stamp = timezone.localtime(addendum.created_at)
        self.assertContains(page, f"Addendum signed by Alice on {stamp:%-d %b %Y, %H:%M}")
        self.assertNotContains(page, "Integrity warning")

    def test_addenda_are_listed_oldest_first(self):
        self.add(self.signed, "First addendum.")
        self.add(self.signed, "Second addendum.")
        html = self.client.get(self.signed.get_absolute_url()).content.decode()
        self.assertLess(html.index("First addendum."), html.index("Second addendum."))

    def test_an_addendum_to_a_draft_is_refused_and_nothing_is_stored(self):
        response = self.add(self.draft, "Should go into the draft instead.")
        self.assertEqual(
            follow_messages(self.client, response),
            ["Addenda are for signed notes. This one is a draft: edit it."],
        )
        self.assertFalse(Addendum.objects.exists())

    def test_an_empty_addendum_is_refused_with_the_form(self):
        response = self.add(self.signed, "   ")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")
        self.assertFalse(Addendum.objects.exists())

    def test_bob_cannot_add_an_addendum_to_alices_note(self):
        sign_in(self.client, self.bob)
        self.assertEqual(self.add(self.signed, "Bob's addition.").status_code, 404)
        self.assertFalse(Addendum.objects.exists())

    def test_an_addendum_cannot_be_changed_by_raw_sql_or_save(self):
        self.add(self.signed, "As written.")
        addendum = Addendum.objects.get(session=self.signed)
        stored = raw(f"SELECT text FROM {ADDENDUM_TABLE}")  # noqa: S608
        with (
            self.assertRaises(IntegrityError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"UPDATE {ADDENDUM_TABLE} SET created_at = %s WHERE id = %s",  # noqa: S608
                [datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), db_pk(Addendum, addendum.pk)],
            )
        addendum.text = "Rewritten."
        with self.assertRaises(IntegrityError), transaction.atomic():
            addendum.save()
        self.assertEqual(raw(f"SELECT text FROM {ADDENDUM_TABLE}"), stored)  # noqa: S608
        self.assertEqual(Addendum.objects.get(pk=addendum.pk).text, "As written.")


class IntegrityTests(SignTestCase):
    """A signed note changed in the database is caught twice over: first by the integrity
    ledger (the row no longer matches its newest ledger entry: the "record cannot be read" page,
    nothing of it shown), and, should the ledger ever have been brought in line with the changed
    row, by the note's own content seal (a warning on the note)."""

    def view(self, session):
        with new_entries() as entries:
            page = self.client.get(session.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        return page, [entry.action for entry in entries]

    def assert_integrity_page(self, session, object_type, pk, *, hidden: str = "") -> None:
        """The session page is refused with the integrity page and one audit entry that
        names the changed record."""
        with new_entries() as entries:
            page = self.client.get(session.get_absolute_url())
        self.assertContains(page, "This record cannot be read", status_code=409)
        self.assertNotContains(page, "Integrity warning", status_code=409)
        if hidden:
            self.assertNotContains(page, hidden, status_code=409)
        self.assertEqual([entry.action for entry in entries], [Action.INTEGRITY_FAILURE])
        event = AuditEvent.objects.get(action=Action.INTEGRITY_FAILURE)
        self.assertEqual(
            (event.object_type, event.object_id, event.client_code, event.outcome),
            (object_type, str(pk), "C-0001", "failed"),
        )

    def seal_accepted(self, model, pk) -> None:
        """Bring the ledger in line with the row as it now is (as if the change had been made
        through the app), to test the content seal behind it."""
        ledger.record_rows(model, [pk], using="default")

    def tamper(self, table: str, column: str, value, pk) -> None:
        with immutability_triggers_off(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                [value, db_pk(TherapySession, pk)],
            )
            self.assertEqual(cursor.rowcount, 1)

    def test_an_untampered_signed_note_shows_no_warning_control(self):
        page, actions = self.view(self.signed)
        self.assertNotContains(page, "Integrity warning")
        self.assertContains(page, "verified")
        self.assertEqual(actions, [Action.VIEW_SESSION])

    def test_a_changed_content_hash_gives_the_integrity_page_and_is_audited_once(self):
        self.tamper(SESSION_TABLE, "content_hash", "f" * 64, self.signed.pk)
        self.assert_integrity_page(
            self.signed, "session", self.signed.pk, hidden="Signed words about her mother."
        )

    def test_a_changed_content_hash_shows_a_warning_and_is_audited_once(self):
        # Second line of defence: the ledger refuses this row first (test above); with the
        # ledger re-recorded after the raw change, the note's content seal still catches it.
        self.tamper(SESSION_TABLE, "content_hash", "f" * 64, self.signed.pk)
        self.seal_accepted(TherapySession, self.signed.pk)
        page, actions = self.view(self.signed)
        self.assertContains(page, "Integrity warning")
        self.assertNotContains(page, "verified")
        self.assertEqual(sorted(actions), sorted([Action.VIEW_SESSION, Action.INTEGRITY_FAILURE]))
        event = AuditEvent.objects.get(action=Action.INTEGRITY_FAILURE)
        self.assertEqual(
            (event.object_type, event.object_id, event.client_code, event.outcome),
            ("session", str(self.signed.pk), "C-0001", "failed"),
        )

    def forge_plan(self) -> None:
        forged = seal(
            b"Forged plan: no further sessions needed.",
            label="therapy_sessions.therapysession.plan",
            row_id=str(self.signed.pk),
            binding=binding_of(self.signed),
        )
        self.tamper(SESSION_TABLE, "plan", forged, self.signed.pk)

    def test_a_validly_encrypted_but_different_plan_gives_the_integrity_page(self):
        self.forge_plan()
        self.assert_integrity_page(self.signed, "session", self.signed.pk, hidden="Forged plan")

    def test_a_validly_encrypted_but_different_plan_shows_a_warning(self):
        # Second line of defence: the ledger refuses this row first (test above); with the
        # ledger re-recorded after the raw change, the note's content seal still catches it.
        self.forge_plan()
        self.seal_accepted(TherapySession, self.signed.pk)
        page, actions = self.view(self.signed)
        self.assertContains(page, "Forged plan: no further sessions needed.")  # it decrypts
        self.assertContains(page, "Integrity warning")
        self.assertEqual(actions.count(Action.INTEGRITY_FAILURE), 1)

    def forge_addendum(self) -> Addendum:
        self.client.post(
            reverse("addendum_create", args=[self.signed.pk]), addendum_form(text="Original.")
        )
        addendum = Addendum.objects.get(session=self.signed)
        forged = seal(
            b"Forged addendum.",
            label="therapy_sessions.addendum.text",
            row_id=str(addendum.pk),
            binding=binding_of(addendum),
        )
        with immutability_triggers_off(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ADDENDUM_TABLE} SET text = %s WHERE id = %s",  # noqa: S608
                [forged, db_pk(Addendum, addendum.pk)],
            )
        return addendum

    def test_a_changed_addendum_gives_the_integrity_page(self):
        addendum = self.forge_addendum()
        self.assert_integrity_page(self.signed, "addendum", addendum.pk, hidden="Forged addendum.")

    def test_a_changed_addendum_shows_a_warning(self):
        # Second line of defence: the ledger refuses this row first (test above); with the
        # ledger re-recorded after the raw change, the addendum's content seal still catches it.
        addendum = self.forge_addendum()
        self.seal_accepted(Addendum, addendum.pk)
        page, actions = self.view(self.signed)
        self.assertContains(page, "Forged addendum.")
        self.assertContains(page, "Integrity warning")
        self.assertEqual(actions.count(Action.INTEGRITY_FAILURE), 1)

    def test_the_triggers_are_back_after_tampering(self):
        self.tamper(SESSION_TABLE, "content_hash", "f" * 64, self.signed.pk)
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.raw_update(SESSION_TABLE, "duration_minutes = %s", [5], self.signed.pk)
