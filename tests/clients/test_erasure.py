"""Erasing a client: typing the client code deletes every row of the client (sessions, drafts,
addenda, process notes, disclosures), leaves content-free audit entries, and leaves no trace of
the record in the database file (SQLite file and -wal) or a dump (PostgreSQL)."""

import uuid

from django.apps import apps
from django.db import models
from django.test import TransactionTestCase
from django.urls import reverse

from accounts.testing import sign_in, sign_in_through_pages
from audit.models import Action, AuditEvent
from clients.models import Client, Disclosure
from encryption.fields import EncryptedField
from sessions.models import Addendum, ProcessNote, SessionDraft, TherapySession
from tests.audit.helpers import audit_rows, new_entries
from tests.base import (
    ALICE_CANARY_NAME,
    PASSWORD,
    PersonaTestCase,
    make_client,
    make_signed_session,
    make_therapist,
)
from tests.builders import addendum_form, autosave_form, erase_form, process_note_form
from tests.pages import export, messages_of
from tests.records import raw_column
from tests.scanning import blob_hits, hits, new_canary, raw_database_bytes


def rows_of(client: Client) -> dict[str, set]:
    """The primary keys of every row that belongs to the client, by model."""
    sessions = TherapySession.objects.filter(client=client)
    return {
        "client": set(Client.objects.filter(pk=client.pk).values_list("pk", flat=True)),
        "sessions": set(sessions.values_list("pk", flat=True)),
        "addenda": set(Addendum.objects.filter(session__in=sessions).values_list("pk", flat=True)),
        "process notes": set(
            ProcessNote.objects.filter(session__in=sessions).values_list("pk", flat=True)
        ),
        "drafts": set(SessionDraft.objects.filter(client=client).values_list("pk", flat=True)),
        "disclosures": set(Disclosure.objects.filter(client=client).values_list("pk", flat=True)),
    }


MODELS = {
    "client": Client,
    "sessions": TherapySession,
    "addenda": Addendum,
    "process notes": ProcessNote,
    "drafts": SessionDraft,
    "disclosures": Disclosure,
}


def referencing_rows(client_id, session_ids) -> dict[str, int]:
    """Rows of any model with a foreign key to the client or to one of its sessions: a model
    added later is counted too."""
    counts = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            if field.related_model is Client:
                n = model.objects.filter(**{field.name: client_id}).count()
            elif field.related_model is TherapySession:
                n = model.objects.filter(**{f"{field.name}__in": session_ids}).count()
            else:
                continue
            counts[f"{model._meta.label}.{field.name}"] = n
    return counts


def a_full_record(test, client, therapist) -> None:
    """Everything a record can hold: draft and signed sessions, an addendum, a process note,
    autosaved drafts of a new and an existing session, and an export with process notes."""
    draft = TherapySession.objects.create(
        client=client, start_time="09:00", note={"subjective": new_canary("draft note")}
    )
    signed = make_signed_session(client, therapist, plan=new_canary("signed plan"))
    test.client.post(
        reverse("addendum_create", args=[signed.pk]), addendum_form(text=new_canary("add"))
    )
    test.client.post(
        reverse("process_note", args=[draft.pk]), process_note_form(text=new_canary("process"))
    )
    for session in (None, draft):
        test.client.post(
            reverse("draft_autosave", args=[uuid.uuid4()]),
            autosave_form(client=client, session=session, plan=new_canary("autosaved")),
        )
    export(test.client, client, include_process_notes="on", reason=new_canary("reason"))


class EraseTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        a_full_record(self, self.alice_client, self.alice)
        self.other = make_client(self.alice, full_name="Another Client of Alice")
        a_full_record(self, self.other, self.alice)
        self.url = reverse("client_erase", args=[self.alice_client.pk])
        self.before = rows_of(self.alice_client)
        self.others_before = rows_of(self.other)
        self.client.get(reverse("dashboard"))  # shows (and so clears) the set-up's messages

    def test_the_record_to_erase_has_a_row_of_every_kind_control(self):
        for kind, pks in self.before.items():
            with self.subTest(kind):
                self.assertTrue(pks)

    def test_the_erase_page_says_what_will_be_deleted(self):
        page = self.client.get(self.url)
        self.assertContains(page, "Erase Quillfeather")
        self.assertContains(page, "3 sessions")
        self.assertContains(page, "It cannot be undone.")

    def test_a_wrong_code_is_refused_and_nothing_is_deleted(self):
        for typed in ("", "C-0002", "C-001", "0001", ALICE_CANARY_NAME):
            with self.subTest(typed=typed):
                response = self.client.post(self.url, {"confirm_code": typed})
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors)
                self.assertEqual(rows_of(self.alice_client), self.before)
        response = self.client.post(self.url, {"confirm_code": "C-0002"})
        self.assertContains(
            response, "That is not this client&#x27;s code. Type C-0001 exactly to erase."
        )
        self.assertEqual(rows_of(self.other), self.others_before)  # C-0002 is not erased

    def test_the_right_code_deletes_every_row_of_the_client_and_nothing_else(self):
        client_id, session_ids = self.alice_client.pk, self.before["sessions"]
        self.assertTrue(any(referencing_rows(client_id, session_ids).values()))
        response = self.client.post(self.url, {"confirm_code": "c-0001 "})
        self.assertRedirects(response, reverse("client_list"), fetch_redirect_response=False)
        self.assertEqual(
            messages_of(self.client.get(response["Location"])),
            ["Client C-0001 and their whole record were erased."],
        )
        for kind, pks in self.before.items():
            with self.subTest(kind):
                self.assertFalse(MODELS[kind].objects.filter(pk__in=pks).exists())
        self.assertEqual(set(referencing_rows(client_id, session_ids).values()), {0})
        self.assertEqual(rows_of(self.other), self.others_before)
        self.assertTrue(Client.objects.filter(pk=self.bob_client.pk).exists())

    def test_the_audit_log_keeps_content_free_entries_of_the_erased_client(self):
        self.client.get(self.alice_client.get_absolute_url())
        with new_entries() as entries:
            self.client.post(self.url, erase_form(self.alice_client))
        self.assertEqual([e.action for e in entries], [Action.ERASE_CLIENT])
        event = entries[0]
        self.assertEqual(
            (event.username, event.object_type, event.object_id, event.client_code),
            ("alice", "client", str(self.alice_client.pk), "C-0001"),
        )
        # Earlier entries about the client stay: the log says the record existed.
        self.assertTrue(
            AuditEvent.objects.filter(client_code="C-0001", action=Action.VIEW_CLIENT).exists()
        )
        every_column = repr(audit_rows())
        for canary in (ALICE_CANARY_NAME, "Quillfeather", "Ŋarvåsdóttir"):
            self.assertNotIn(canary, every_column)

    def test_bob_cannot_erase_alices_client(self):
        sign_in(self.client, self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, erase_form(self.alice_client)).status_code, 404)
        self.assertEqual(rows_of(self.alice_client), self.before)

    def test_erasing_is_post_only(self):
        self.client.get(self.url, {"confirm_code": "C-0001"})
        self.assertEqual(rows_of(self.alice_client), self.before)


def ciphertexts_of(client: Client) -> dict[str, bytes]:
    """The stored bytes of every encrypted column of every row of the client, by label."""
    found = {}
    for kind, pks in rows_of(client).items():
        model = MODELS[kind]
        for pk in pks:
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedField):
                    found[f"{model._meta.label}.{field.name} {pk}"] = raw_column(
                        model, field.column, pk
                    )
    return found


class ErasedRecordLeavesNoTraceTests(TransactionTestCase):
    """Committed to disk, then erased: neither its ciphertext nor its plaintext can be found in
    the SQLite file and its -wal (secure_delete, checkpoint) or in a pg_dump."""

    serialized_rollback = True  # the built-in themes come back after the flush

    def test_no_ciphertext_of_an_erased_client_is_left_in_the_database(self):
        alice = make_therapist("alice")
        sign_in_through_pages(self.client, "alice", PASSWORD)
        erased_name, kept_name = new_canary("Erased Person"), new_canary("Kept Person")
        erased = make_client(alice, full_name=erased_name, general_notes=new_canary("notes"))
        kept = make_client(alice, full_name=kept_name, general_notes=new_canary("notes"))
        seen_ciphertexts = ciphertexts_of(erased)  # the first versions, before any update
        a_full_record(self, erased, alice)
        a_full_record(self, kept, alice)
        erased_blobs = {**seen_ciphertexts, **ciphertexts_of(erased)}
        kept_blobs = ciphertexts_of(kept)
        self.assertGreater(len(erased_blobs), 25)

        # Positive control: the scan finds the record's current ciphertexts before erasure.
        before = raw_database_bytes()
        current = ciphertexts_of(erased)
        self.assertEqual(blob_hits(before, current), sorted(current))

        response = self.client.post(reverse("client_erase", args=[erased.pk]), erase_form(erased))
        self.assertEqual(response.status_code, 302)

        after = raw_database_bytes()
        self.assertEqual(blob_hits(after, erased_blobs), [])
        self.assertEqual(hits(after, [erased_name]), [])
        # Negative control: the same scan finds the client who was not erased.
        self.assertEqual(blob_hits(after, kept_blobs), sorted(kept_blobs))
