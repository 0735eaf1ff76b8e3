"""Tampering with stored ciphertext is always detected (issue 7, "Tests that attack").

Every encrypted column of every model (found from the models, so a new encrypted field is
attacked automatically) is read as raw bytes. Then:

- flips: one random bit (seeded) in the header, nonce, ciphertext or tag region of a random
  value, decrypted with the row's associated data through the field's own decrypt path;
- swaps: a value moved to another row (same field), to another field (same row), and to
  another table, and a row moved to another parent (client, session, therapist); each must
  fail authentication;
- end to end: a smaller number of flips and swaps written back with raw SQL (a cursor, past the
  ORM's guards and, for signed notes, past the immutability triggers the way key rotation is
  let through), then read through the ORM and the pages that show the value: the page says the
  record cannot be read (never wrong data, never a server error) and the audit log gets an
  integrity_failure entry. Twice: with the integrity ledger as it is (the row no longer matches
  its integrity record), and with the ledger brought in line with the tampered row, so that the
  envelope alone must catch it;
- negative controls: with the associated data made constant (and the per-field subkeys made
  one key), or the parent left out of it, the same swap checks report the swaps as undetected,
  so these tests can fail.
"""

import base64
import datetime
import random
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import permutations
from unittest import mock

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.test import Client as HttpClient
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in
from appointments import services as appointment_services
from audit.models import Action, AuditEvent, Outcome
from clients.models import Client, DisclosureKind
from clients.services import record_disclosure
from encryption import envelope
from encryption.errors import (
    DecryptionError,
    EncryptionError,
    MalformedCiphertextError,
    RecordIntegrityError,
    UnknownKeyError,
)
from encryption.fields import EncryptedField, Sealed, parents_of
from encryption.keys import Keyring, get_keyring
from encryption.middleware import STATUS as UNREADABLE_STATUS
from encryption.rotation import PERMIT_TABLE, encrypted_models
from integrity import check as integrity_check
from integrity import ledger
from integrity.check import check_instance
from integrity.models import RowSeal
from integrity.specs import spec_of
from measures.models import Administration, MeasureSchedule
from plans.models import NoteProgress, PlanVersion
from sessions import services as session_services
from sessions.models import Addendum, ProcessNote, SessionDraft, TherapySession
from summaries.models import PreparedSummary
from tests.base import (
    PersonaTestCase,
    make_client,
    make_session,
    make_signed_session,
    make_therapist,
)
from tests.builders import client_form
from tests.records import make_progress_records
from themes.models import ClientThemeExclusion
from themes.suggest.service import exclude_theme
from writing import services as writing_services

from .counts import report

# The pages that read a client's questionnaires (answers, scores, dates).
MEASURE_PAGES = ("client_measures", "client_progress", "client_detail")

SEED = 20260307
FLIP_TRIALS = 3_000
E2E_ROUNDS = 1  # end-to-end flips per (model, field), besides one swap each
REGIONS = ("header", "nonce", "ciphertext", "tag")
UNREADABLE_TEXT = "This record cannot be read"

# The suite's key 1, plus a key 3: a flipped key-id bit that lands on 3 picks a real key (the
# wrong one), so header flips exercise authentication as well as the unknown-key check.
KEY_1 = "dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="
KEY_3 = base64.b64encode(b"tampering-test-key-3-not-secret!").decode()
KEYRING = f"1:{KEY_1},3:{KEY_3}"


def skip_check(*args, **kwargs) -> None:
    """Stands in for the integrity check (``field_layer_only``)."""


@contextmanager
def field_layer_only():
    """Records are not checked against the integrity ledger when loaded or read, so that what
    is tested is the envelope alone."""
    with (
        mock.patch.object(integrity_check, "check_loaded", skip_check),
        mock.patch.object(integrity_check, "check_instance", skip_check),
    ):
        yield


@dataclass(frozen=True)
class Slot:
    """One stored encrypted value: a field of a row, and its bytes as the database holds them."""

    model: type[Model]
    field: EncryptedField
    pk: object
    blob: bytes
    parents: tuple[tuple[str, object], ...] = ()  # (attname, value) of encryption_parents

    @property
    def name(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"

    def instance(self, **moved) -> Model:
        # decrypt_for needs only the primary key and the parents: they are the row's part of
        # the associated data. ``moved`` replaces parents (a row moved to another client...).
        return self.model(pk=self.pk, **{**dict(self.parents), **moved})


def region_bounds(blob: bytes) -> dict[str, range]:
    header = envelope.HEADER.size
    nonce_end = header + envelope.NONCE_BYTES
    tag_start = len(blob) - envelope.TAG_BYTES
    return {
        "header": range(0, header),
        "nonce": range(header, nonce_end),
        "ciphertext": range(nonce_end, tag_start),
        "tag": range(tag_start, len(blob)),
    }


def flipped(blob: bytes, byte: int, bit: int) -> bytes:
    changed = bytearray(blob)
    changed[byte] ^= 1 << bit
    return bytes(changed)


def expected_error(blob: bytes, byte: int, keyring: Keyring) -> type[EncryptionError]:
    """What a flip at ``byte`` must raise: the version byte makes the envelope unknown, the key
    id names another key (unknown, or a real but wrong one), anything else fails the tag."""
    if byte == 0:
        return MalformedCiphertextError
    if byte < envelope.HEADER.size:
        return DecryptionError if envelope.key_id_of(blob) in keyring.keys else UnknownKeyError
    return DecryptionError


def outcome_of(field: EncryptedField, instance: Model, blob: bytes):
    """("ok", value) when the field decrypts ``blob`` for ``instance``, else ("error", class)."""
    try:
        return "ok", field.decrypt_for(instance, Sealed(blob))
    except EncryptionError as exc:
        return "error", type(exc)


def swap_detected(field: EncryptedField, instance: Model, moved: bytes) -> bool:
    status, value = outcome_of(field, instance, moved)
    return status == "error" and value is DecryptionError


def stored_slots(order: dict) -> list[Slot]:
    """Every encrypted value of every row, read raw; rows in fixture order for reproducibility."""
    quote = connection.ops.quote_name
    slots = []
    for model, fields in encrypted_models():
        pk_field = model._meta.pk
        columns = ", ".join(quote(f.column) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(pk_field.column)}, {columns} "  # noqa: S608
                f"FROM {quote(model._meta.db_table)}"
            )
            rows = cursor.fetchall()
        converted = [(pk_field.to_python(row[0]), row[1:]) for row in rows]
        converted.sort(key=lambda item: (order.get(item[0], len(order)), str(item[0])))
        names = parents_of(model)
        parents = {
            pk: tuple(zip(names, values, strict=True))
            for pk, *values in model._base_manager.values_list("pk", *names)
        }
        for pk, blobs in converted:
            for f, blob in zip(fields, blobs, strict=True):
                slots.append(Slot(model, f, pk, bytes(blob), parents[pk]))
    return slots


def write_raw(model: type[Model], field: EncryptedField, pk, blob: bytes) -> None:
    """UPDATE one stored value with raw SQL. The permit row lets the UPDATE past the triggers
    on signed notes and addenda (as for key rotation: plain columns unchanged); the test's
    transaction is rolled back at the end anyway."""
    quote = connection.ops.quote_name
    pk_field = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(PERMIT_TABLE)} (id) VALUES (1)")  # noqa: S608
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {quote(field.column)} = %s "  # noqa: S608
            f"WHERE {quote(pk_field.column)} = %s",
            [connection.Database.Binary(blob), pk_field.get_db_prep_value(pk, connection)],
        )
        assert cursor.rowcount == 1, (model, pk)
        cursor.execute(f"DELETE FROM {quote(PERMIT_TABLE)}")  # noqa: S608


@override_settings(FIELD_ENCRYPTION_KEYS=KEYRING)
class TamperingTestCase(PersonaTestCase):
    """At least two rows of every model with encrypted fields, every field holding text."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        alice = cls.alice
        cls.client_a = cls.alice_client
        cls.client_b = make_client(
            alice,
            full_name="Second Client",
            preferred_name="Sec",
            pronouns="they/them",
            date_of_birth=datetime.date(1990, 1, 2),
            phone="+44 20 7946 0000",
            email="second@example.org",
            address="1 Road\nTown",
            emergency_contact="Sibling, 07700 900000",
            referral_source="GP",
            presenting_concerns="Low mood.",
            general_notes="Prefers afternoons.",
            closing_summary="Not discharged.",
            other_names=[{"name": "Second Partner", "role": "partner"}],
        )
        for name in ("preferred_name", "pronouns", "phone", "address", "referral_source"):
            setattr(cls.client_a, name, f"{name} of A")
        cls.client_a.closing_summary = "Closing summary of A."
        cls.client_a.save()
        session_fields = {
            "mood_affect": "Flat",
            "risk_level": "low",
            "risk_notes": "No plan.",
            "interventions": "CBT",
            "plan": "Diary.",
        }
        cls.draft_session = cls.alice_session
        for name, value in session_fields.items():
            setattr(cls.draft_session, name, value)
        cls.draft_session.save()
        cls.signed_session = make_signed_session(
            cls.client_a,
            alice,
            themes=[{"theme": cls.maternal_rejection.pk, "intensity": 2}],
            **session_fields,
        )
        cls.other_session = make_session(cls.client_b, note={"subjective": "Second."})
        cls.addenda = [
            session_services.add_addendum(
                session=cls.signed_session, author=alice, text=f"Addendum {n}."
            )
            for n in (1, 2)
        ]
        cls.process_notes = [
            session_services.save_process_note(session=s, text=f"Process {n}.")
            for n, s in enumerate((cls.signed_session, cls.draft_session))
        ]
        cls.drafts = []
        for session in (cls.draft_session, None):
            session_services.autosave(
                draft_key=(key := uuid.uuid4()),
                author=alice,
                client=cls.client_a,
                session=session,
                seq=1,
                base_version=1,
                payload={"mood_affect": "Autosaved text", "section_subjective": "Typed."},
            )
            cls.drafts.append(SessionDraft.objects.get(pk=key))
        cls.disclosures = [
            record_disclosure(
                client=cls.client_a,
                user=alice,
                kind=DisclosureKind.EXPORT,
                includes_process_notes=True,
                process_notes_reason=f"Reason {n}.",
            )
            for n in (1, 2)
        ]
        cls.exclusions = [
            exclude_theme(client=client, theme=cls.maternal_rejection)
            for client in (cls.client_a, cls.client_b)
        ]
        cls.appointments = [
            appointment_services.schedule(
                therapist=alice,
                client=client,
                start=timezone.now() + datetime.timedelta(days=n + 1),
                details=appointment_services.Details(location=f"Room {n}", remark=f"Remark {n}."),
            )[0]
            for n, client in enumerate((cls.client_a, cls.client_b))
        ]
        for appointment in cls.appointments:
            appointment_services.set_status(
                appointment=appointment, user=alice, status="cancelled", reason="Unwell."
            )
        cls.writing_aids = [
            writing_services.create_template(
                therapist=alice,
                name=f"Template {n}",
                note_format="soap",
                sections={"subjective": f"Since last time {n}."},
                mood_affect="Settled",
                plan="Review.",
                interventions="CBT",
            )
            for n in (1, 2)
        ] + [
            writing_services.create_snippet(therapist=alice, trigger=f";s{n}", text=f"Snippet {n}.")
            for n in (1, 2)
        ]
        cls.progress_records = [
            record
            for number, client in enumerate((cls.client_a, cls.client_b))
            for record in make_progress_records(client, number=number)
        ]
        created = [
            cls.client_a,
            cls.client_b,
            cls.bob_client,
            cls.draft_session,
            cls.signed_session,
            cls.other_session,
            *cls.addenda,
            *cls.process_notes,
            *cls.drafts,
            *cls.disclosures,
            *cls.exclusions,
            *cls.appointments,
            *cls.writing_aids,
            *cls.progress_records,
        ]
        cls.order = {obj.pk: n for n, obj in enumerate(created)}

    def setUp(self):
        self.keyring = get_keyring()
        self.slots = stored_slots(self.order)


class FixtureTests(TamperingTestCase):
    def test_every_encrypted_model_has_two_rows_and_every_stored_value_reads(self):
        """Positive control, and the guard that keeps the fixture complete: a new model with an
        encrypted field fails here until rows of it are added above."""
        rows = Counter((slot.model, slot.pk) for slot in self.slots)
        per_model = Counter(model for model, _ in rows)
        for model, fields in encrypted_models():
            with self.subTest(model=model._meta.label):
                self.assertGreaterEqual(per_model[model], 2)
                self.assertEqual(
                    {s.field for s in self.slots if s.model is model}, set(fields), model
                )
        for slot in self.slots:
            status, _value = outcome_of(slot.field, slot.instance(), slot.blob)
            self.assertEqual(status, "ok", slot.name)


class FlipTests(TamperingTestCase):
    def test_every_flipped_bit_is_detected(self):
        rng = random.Random(SEED)
        tried, detected = 0, 0
        by_region, by_error, by_field = Counter(), Counter(), Counter()
        for trial in range(FLIP_TRIALS):
            region = REGIONS[trial % len(REGIONS)]
            slot = rng.choice(self.slots)
            byte = rng.choice(region_bounds(slot.blob)[region])
            bit = rng.randrange(8)
            tampered = flipped(slot.blob, byte, bit)
            expected = expected_error(tampered, byte, self.keyring)
            status, value = outcome_of(slot.field, slot.instance(), tampered)
            tried += 1
            by_region[region] += 1
            by_field[slot.name] += 1
            if status == "error" and value is expected:
                detected += 1
                by_error[value.__name__] += 1
            else:
                self.fail(
                    f"trial {trial}: bit {bit} of byte {byte} ({region}) of {slot.name} "
                    f"row {slot.pk} gave {status} {value!r}, expected {expected.__name__}"
                )
        report("tampering: bit flips (in memory)", tried)
        self.assertEqual(tried, FLIP_TRIALS)
        self.assertEqual(detected, FLIP_TRIALS)
        self.assertEqual(set(by_region), set(REGIONS))
        # Every field was attacked, and every kind of failure was seen.
        self.assertEqual(set(by_field), {slot.name for slot in self.slots})
        self.assertEqual(
            set(by_error), {"DecryptionError", "UnknownKeyError", "MalformedCiphertextError"}
        )


class SwapTests(TamperingTestCase):
    def test_every_value_moved_to_another_row_field_or_table_is_detected(self):
        by_row = {}
        for slot in self.slots:
            by_row.setdefault((slot.model, slot.pk), []).append(slot)
        trials = Counter()
        failures = []

        def attempt(kind: str, source: Slot, target: Slot) -> None:
            trials[kind] += 1
            if not swap_detected(target.field, target.instance(), source.blob):
                failures.append(f"{kind}: {source.name} {source.pk} -> {target.name} {target.pk}")

        # Row A field X into row B field X.
        for model, fields in encrypted_models():
            pks = [pk for (m, pk) in by_row if m is model]
            for f in fields:
                column = {s.pk: s for s in self.slots if s.model is model and s.field is f}
                for a, b in permutations(pks, 2):
                    attempt("row", column[a], column[b])
        # Row A field X into row A field Y.
        for row_slots in by_row.values():
            for x, y in permutations(row_slots, 2):
                attempt("field", x, y)
        # Into another table: the first row's first field of every other model.
        firsts = {}
        for slot in self.slots:
            firsts.setdefault(slot.model, slot)
        for source in self.slots:
            for model, target in firsts.items():
                if model is not source.model:
                    attempt("table", source, target)

        self.assertEqual(failures, [])
        expected = {"row": 0, "field": 0, "table": 0}
        for model, fields in encrypted_models():
            rows = sum(1 for (m, _pk) in by_row if m is model)
            expected["row"] += len(fields) * rows * (rows - 1)
            expected["field"] += rows * len(fields) * (len(fields) - 1)
            expected["table"] += rows * len(fields) * (len(firsts) - 1)
        self.assertEqual(dict(trials), expected)
        for kind, n in sorted(trials.items()):
            report(f"tampering: swaps to another {kind} (in memory)", n)

    def test_every_row_moved_to_another_parent_is_detected(self):
        # Every real record a row could be moved to, by the attribute that names it.
        candidates = {
            "therapist_id": [self.alice.pk, self.bob.pk],
            "author_id": [self.alice.pk, self.bob.pk],
            "client_id": [self.client_a.pk, self.client_b.pk, self.bob_client.pk],
            "session_id": [self.draft_session.pk, self.signed_session.pk, self.other_session.pk],
        }
        trials, failures = Counter(), []
        for slot in self.slots:
            for name, current in slot.parents:
                for other in candidates[name]:
                    if other == current:
                        continue
                    trials[slot.model] += 1
                    if not swap_detected(slot.field, slot.instance(**{name: other}), slot.blob):
                        failures.append(f"{slot.name} {slot.pk}: {name} {current} -> {other}")

        self.assertEqual(failures, [])
        # Every model that binds its values to a parent was attacked.
        bound = {model for model, _fields in encrypted_models() if parents_of(model)}
        self.assertEqual(set(trials), bound)
        self.assertTrue({Client, TherapySession, Addendum, ProcessNote} <= bound)
        report("tampering: rows moved to another parent (in memory)", sum(trials.values()))


def constant_associated_data(header, label, row_id, binding):
    return b"x"


class NegativeControlTests(TamperingTestCase):
    """Without the row, field and parent in the associated data, the swap checks above would
    fail."""

    def sealed_pair(self, model, field_name, values):
        """``values`` encrypted for two different rows of ``model``."""
        field = model._meta.get_field(field_name)
        first_slots = {}
        for slot in self.slots:
            if slot.model is model:
                first_slots.setdefault(slot.pk, slot)
        rows = [slot.instance() for slot in list(first_slots.values())[:2]]
        return field, rows, [field.encrypt_for(r, v) for r, v in zip(rows, values, strict=True)]

    def test_with_constant_associated_data_a_row_swap_goes_undetected(self):
        field, (_, row_b), (blob_a, _) = self.sealed_pair(Client, "full_name", ["A", "B"])
        self.assertTrue(swap_detected(field, row_b, blob_a))  # real associated data
        with mock.patch.object(envelope, "_associated_data", constant_associated_data):
            field, (_, row_b), (blob_a, _) = self.sealed_pair(Client, "full_name", ["A", "B"])
            self.assertFalse(swap_detected(field, row_b, blob_a))
            # Wrong data: row B now reads row A's name.
            self.assertEqual(outcome_of(field, row_b, blob_a), ("ok", "A"))

    def test_with_constant_associated_data_and_one_subkey_a_field_swap_goes_undetected(self):
        full_name = Client._meta.get_field("full_name")
        pronouns = Client._meta.get_field("pronouns")
        row = Client(pk=self.client_a.pk)
        blob = full_name.encrypt_for(row, "Name")
        self.assertTrue(swap_detected(pronouns, row, blob))
        cipher = Keyring.cipher
        with mock.patch.object(envelope, "_associated_data", constant_associated_data):
            # The label still picks the subkey: still detected (defence in depth).
            blob = full_name.encrypt_for(row, "Name")
            self.assertTrue(swap_detected(pronouns, row, blob))
            with mock.patch.object(
                Keyring, "cipher", lambda ring, key_id, label: cipher(ring, key_id, "one")
            ):
                blob = full_name.encrypt_for(row, "Name")
                self.assertFalse(swap_detected(pronouns, row, blob))
                self.assertEqual(outcome_of(pronouns, row, blob), ("ok", "Name"))

    def test_without_the_parent_in_the_associated_data_a_moved_row_goes_undetected(self):
        plan = TherapySession._meta.get_field("plan")
        real = envelope._associated_data
        at_home = TherapySession(pk=self.draft_session.pk, client_id=self.client_a.pk)
        moved = TherapySession(pk=self.draft_session.pk, client_id=self.bob_client.pk)
        blob = plan.encrypt_for(at_home, "Plan.")
        self.assertEqual(outcome_of(plan, at_home, blob), ("ok", "Plan."))  # control
        self.assertTrue(swap_detected(plan, moved, blob))  # real associated data

        def without_parent(header, label, row_id, binding):
            return real(header, label, row_id, "")

        with mock.patch.object(envelope, "_associated_data", without_parent):
            blob = plan.encrypt_for(at_home, "Plan.")
            self.assertFalse(swap_detected(plan, moved, blob))
            # Wrong data: the session now reads as bob's client's.
            self.assertEqual(outcome_of(plan, moved, blob), ("ok", "Plan."))


# --- end to end: raw SQL, the ORM, the pages, the audit log ----------------------------------


class EndToEndTests(TamperingTestCase):
    def setUp(self):
        super().setUp()
        self.http = HttpClient(raise_request_exception=False)
        sign_in(self.http, self.alice)
        self.last_failure_seq = (
            AuditEvent.objects.order_by("seq").values_list("seq", flat=True).last() or 0
        )

    def pages_for(self, slot: Slot) -> list[str]:
        """Pages that read the value. Disclosure reasons are shown on no page (kept for the
        accounting of disclosures only): they are checked through the ORM alone."""
        model, pk, parents = slot.model, slot.pk, dict(slot.parents)
        if model is Client:
            return [reverse(name, args=[pk]) for name in ("client_edit", "client_discharge")]
        if model is TherapySession:
            return [reverse("session_detail", args=[pk])]
        if model is Addendum:
            return [reverse("session_detail", args=[parents["session_id"]])]
        if model is ProcessNote:
            return [reverse("process_note", args=[parents["session_id"]])]
        if model is SessionDraft:
            return [reverse("draft_detail", args=[pk])]
        if model is ClientThemeExclusion:
            return [reverse("client_theme_exclusions", args=[parents["client_id"]])]
        if model is Administration:
            return [reverse(name, args=[parents["client_id"]]) for name in MEASURE_PAGES]
        if model is MeasureSchedule:
            return [reverse("measure_schedule", args=[parents["client_id"]])]
        if model is PlanVersion:
            return [reverse("plan_version_detail", args=[pk])]
        if model is NoteProgress:
            session_id = NoteProgress.objects.values_list("session_id", flat=True).get(pk=pk)
            return [reverse("session_detail", args=[session_id])]
        if model is PreparedSummary and slot.field.name == "options":
            # The file itself is read only by its one download (a POST that deletes it).
            return [reverse("prepared_summary", args=[pk])]
        return []

    def page_slots(self) -> list[Slot]:
        """One row per model, the one alice's pages show (for sessions, the signed one: its
        content seal reads every field; the suggestions dismissed on a note are read where
        suggestions are offered, on a draft)."""
        wanted = {
            "therapy_sessions.TherapySession.dismissed_themes": self.draft_session.pk,
            Client: self.client_a.pk,
            TherapySession: self.signed_session.pk,
            Addendum: self.addenda[0].pk,
            ProcessNote: self.process_notes[0].pk,
            SessionDraft: self.drafts[0].pk,
            ClientThemeExclusion: self.exclusions[0].pk,
            PlanVersion: self.progress_records[3].pk,  # client A's signed version
        }
        chosen = []
        for slot in self.slots:
            first_row = next(s.pk for s in self.slots if s.model is slot.model)
            if slot.pk == wanted.get(slot.name, wanted.get(slot.model, first_row)):
                chosen.append(slot)
        return chosen

    def assert_unreadable_everywhere(self, slot: Slot, tampered: bytes, expected) -> None:
        write_raw(slot.model, slot.field, slot.pk, tampered)
        # The envelope refuses the tampered value itself (the field layer alone).
        with field_layer_only(), self.assertRaises(expected, msg=slot.name):
            getattr(slot.model._base_manager.get(pk=slot.pk), slot.field.attname)
        ledgered = spec_of(slot.model) is not None
        if ledgered:
            # With the ledger as it is, the row no longer matches its integrity record, and
            # every page that shows the record refuses it whole.
            with self.assertRaises(RecordIntegrityError, msg=slot.name):
                check_instance(slot.model._base_manager.get(pk=slot.pk))
            for url in self.pages_for(slot):
                self.assert_integrity_page(slot, url, self.http.get(url))
            # Then with the ledger brought in line with the tampered row (as if the change had
            # been made through the app): the envelope alone must still catch it.
            ledger.record_rows(slot.model, [slot.pk], using="default")
        shown = 0
        for url in self.pages_for(slot):
            response = self.http.get(url)
            self.assertLess(response.status_code, 500, (slot.name, url))
            if response.status_code == UNREADABLE_STATUS:
                shown += 1
                self.assert_integrity_page(slot, url, response)
            else:
                self.assertEqual(response.status_code, 200, (slot.name, url))
        if self.pages_for(slot):
            self.assertGreater(shown, 0, f"no page read {slot.name}")
        write_raw(slot.model, slot.field, slot.pk, slot.blob)
        if ledgered:
            ledger.record_rows(slot.model, [slot.pk], using="default")
        self.assertEqual(outcome_of(slot.field, slot.instance(), slot.blob)[0], "ok")  # restored
        check_instance(slot.model._base_manager.get(pk=slot.pk))

    def assert_integrity_page(self, slot: Slot, url: str, response) -> None:
        """``response`` (just fetched) is the integrity page, and the request wrote one
        integrity_failure entry naming the record."""
        self.assertContains(response, UNREADABLE_TEXT, status_code=UNREADABLE_STATUS)
        event = AuditEvent.objects.filter(action=Action.INTEGRITY_FAILURE).latest("seq")
        self.assertGreater(event.seq, self.last_failure_seq, (slot.name, url))
        self.assertEqual(
            AuditEvent.objects.filter(seq__gt=self.last_failure_seq)
            .filter(action=Action.INTEGRITY_FAILURE)
            .count(),
            1,
            (slot.name, url),
        )
        self.last_failure_seq = event.seq
        self.assertEqual(event.object_id, str(slot.pk))
        self.assertEqual(event.outcome, Outcome.FAILED)
        self.assertEqual(event.client_code, self.client_a.code)

    def test_flipped_and_swapped_values_in_the_database_give_the_integrity_page(self):
        rng = random.Random(SEED + 1)
        slots = self.page_slots()
        self.assertEqual(
            {s.name for s in slots}, {s.name for s in self.slots}, "a field has no end-to-end row"
        )
        trials = Counter()
        for slot in slots:
            for round_ in range(E2E_ROUNDS):
                region = REGIONS[(round_ + len(trials)) % len(REGIONS)]
                byte = rng.choice(region_bounds(slot.blob)[region])
                tampered = flipped(slot.blob, byte, rng.randrange(8))
                self.assert_unreadable_everywhere(
                    slot, tampered, expected_error(tampered, byte, self.keyring)
                )
                trials["flip"] += 1
            # Another row's value of the same field.
            other = next(
                s
                for s in self.slots
                if s.model is slot.model and s.field is slot.field and s.pk != slot.pk
            )
            self.assert_unreadable_everywhere(slot, other.blob, DecryptionError)
            trials["swap"] += 1
        self.assertEqual(trials["flip"], E2E_ROUNDS * len(slots))
        self.assertEqual(trials["swap"], len(slots))
        report("tampering: flips through the database and pages", trials["flip"])
        report("tampering: swaps through the database and pages", trials["swap"])

    def test_an_unreadable_value_on_a_page_was_a_server_error_before_the_middleware(self):
        """The regression behind encryption.middleware: without it, the same request is a 500."""
        slot = next(s for s in self.page_slots() if s.model is Client)
        write_raw(Client, slot.field, slot.pk, flipped(slot.blob, 20, 3))
        url = reverse("client_edit", args=[slot.pk])
        self.assertEqual(self.http.get(url).status_code, UNREADABLE_STATUS)
        without = [m for m in settings.MIDDLEWARE if not m.startswith("encryption.")]
        with self.settings(MIDDLEWARE=without):
            http = HttpClient(raise_request_exception=False)  # loads the middleware afresh
            sign_in(http, self.alice)
            self.assertEqual(http.get(url).status_code, 500)

    def test_an_untampered_record_still_shows_normally(self):
        response = self.http.get(reverse("client_edit", args=[self.client_a.pk]))
        self.assertContains(response, "preferred_name of A")
        response = self.http.get(reverse("session_detail", args=[self.signed_session.pk]))
        self.assertContains(response, "Addendum 1.")
        self.assertFalse(AuditEvent.objects.filter(action=Action.INTEGRITY_FAILURE).exists())


class SaveOverTamperedValueTests(TransactionTestCase):
    """Posting the edit form over a record with a tampered closing summary (a field the form
    does not show). The row no longer matches its integrity record, so it is refused when first
    read. Behind that, saving re-encrypts every field, so pre_save reads (authenticates) the
    untouched ones: with the ledger brought in line with the tampered row, the closing summary
    fails inside the save's own transaction. Here there is no test transaction around the
    request, as in production, so the failure rolls back and the integrity page and its audit
    entry can be written."""

    # As tests/audit/test_concurrency.py: keep the migrations' data for the tests that follow.
    serialized_rollback = True

    def post_over_tampered_value(self, *, ledger_accepts_tamper: bool) -> None:
        alice = make_therapist("alice")
        client = make_client(alice, full_name="Kept Name", closing_summary="Summary.")
        field = Client._meta.get_field("closing_summary")
        (slot,) = [s for s in stored_slots({}) if s.field is field and s.pk == client.pk]
        write_raw(Client, field, client.pk, flipped(slot.blob, len(slot.blob) - 1, 0))
        if ledger_accepts_tamper:
            ledger.record_rows(Client, [client.pk], using="default")
        stored_before = stored_row(client)
        entries_before = RowSeal.objects.count()
        http = HttpClient(raise_request_exception=False)
        sign_in(http, alice)

        response = http.post(
            reverse("client_edit", args=[client.pk]), client_form(full_name="Renamed")
        )

        self.assertContains(response, UNREADABLE_TEXT, status_code=UNREADABLE_STATUS)
        self.assertNotContains(response, "Renamed", status_code=UNREADABLE_STATUS)
        # Nothing was written: not the row, not its integrity record.
        self.assertEqual(stored_row(client), stored_before)
        self.assertEqual(RowSeal.objects.count(), entries_before)
        event = AuditEvent.objects.get(action=Action.INTEGRITY_FAILURE)
        self.assertEqual((event.object_id, event.client_code), (str(client.pk), client.code))
        # With the original bytes put back (and the ledger with them), the record reads as it
        # was: the refused save laundered nothing into a valid-looking value.
        write_raw(Client, field, client.pk, slot.blob)
        if ledger_accepts_tamper:
            ledger.record_rows(Client, [client.pk], using="default")
        kept = Client.objects.get(pk=client.pk)
        self.assertEqual((kept.full_name, kept.closing_summary), ("Kept Name", "Summary."))
        self.assertEqual(kept.updated_at, client.updated_at)

    def test_saving_a_form_over_a_tampered_value_gives_the_integrity_page_and_changes_nothing(
        self,
    ):
        self.post_over_tampered_value(ledger_accepts_tamper=False)

    def test_with_the_ledger_in_line_the_save_itself_refuses_the_tampered_value(self):
        self.post_over_tampered_value(ledger_accepts_tamper=True)


def stored_row(client: Client) -> tuple:
    """The client's row as stored (encrypted values as bytes, nothing decrypted)."""
    names = [f.attname for f in Client._meta.concrete_fields]
    (row,) = Client._base_manager.filter(pk=client.pk).values_list(*names)
    return tuple(bytes(v) if isinstance(v, bytes | memoryview) else v for v in row)
