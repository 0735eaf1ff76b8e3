"""The one door for outcome measures: what is stored (encrypted, scored, audited without content),
what is refused (another therapist's client, bad input), the one-time links (hashed, 72 hours,
single use), and the records' life with the rest of the client's record (key rotation, erasure)."""

import base64
import datetime
import hashlib
import io
from contextlib import contextmanager
from unittest import mock

from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import TestCase, override_settings
from django.utils import timezone

from audit.models import Action, AuditEvent
from encryption import rotation
from encryption.fields import EncryptedField
from encryption.keys import reset_keyring
from measures import services
from measures.models import Administration, ClientLink, MeasureSchedule
from measures.scoring import answers_for_total
from sessions import services as session_services
from tests.base import make_client, make_measure_records, make_therapist
from tests.records import raw_column

from .helpers import measure, record

DAY = datetime.date(2026, 3, 2)


class RecordAdministrationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.client_of_alice = make_client(cls.alice, full_name="Alice's Client")

    def test_stores_the_answers_and_the_score(self):
        answers = answers_for_total(measure("phq9"), 14, risk=1)
        stored = record(self.client_of_alice, "phq9", answers=answers, on=DAY)
        stored = Administration.objects.get(pk=stored.pk)
        self.assertEqual(stored.measure, "phq9")
        self.assertEqual(stored.administered_on, DAY)
        self.assertEqual(stored.answers, {str(number): value for number, value in answers.items()})
        self.assertEqual(
            stored.result,
            {
                "total": 14.0,
                "status": "complete",
                "answered": 9,
                "band": "Moderate",
                "above_cutoff": True,
                "risk_items": [9],
            },
        )
        self.assertEqual(
            (stored.total, stored.status, stored.band_label), (14.0, "complete", "Moderate")
        )
        self.assertEqual(stored.measure_obj.short_name, "PHQ-9")
        self.assertEqual((stored.source, stored.recorded_by), ("therapist", self.alice))

    def test_unanswered_items_are_stored_as_null(self):
        stored = record(self.client_of_alice, "gad7", answers={1: 2, 2: 2, 3: 2, 4: 2, 5: 2})
        self.assertEqual(stored.answers["6"], None)
        self.assertEqual(stored.result["status"], "prorated")
        self.assertEqual(stored.result["total"], 14.0)

    def test_the_stored_columns_are_ciphertext(self):
        stored = record(self.client_of_alice, "core10", total=23, on=DAY)
        for column, plaintext in (
            ("measure", b"core10"),
            ("answers", b'"1":'),
            ("result", b"Moderate-to-severe"),
            ("result", b'"total"'),
            ("administered_on", b"2026-03-02"),
        ):
            with self.subTest(column):
                self.assertNotIn(plaintext, raw_column(Administration, column, stored.pk))
        # Negative control: the same values read through the model are those plaintexts.
        self.assertEqual(stored.measure, "core10")
        self.assertEqual(stored.result["band"], "Moderate-to-severe")

    def test_another_therapists_client_is_refused_and_nothing_is_written(self):
        with self.assertRaises(PermissionError):
            record(self.client_of_alice, "phq9", total=5, user=self.bob)
        self.assertFalse(Administration.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action=Action.RECORD_MEASURE).exists())

    def test_the_audit_entry_names_the_record_and_the_client_code_only(self):
        stored = record(self.client_of_alice, "phq9", total=21, on=DAY)
        event = AuditEvent.objects.get(action=Action.RECORD_MEASURE)
        self.assertEqual(event.object_id, str(stored.pk))
        self.assertEqual(event.object_type, "administration")
        self.assertEqual(event.client_code, self.client_of_alice.code)
        self.assertEqual(event.user_id, self.alice.pk)
        # Nothing else: the text columns hold neither the questionnaire nor its result.
        logged = " ".join((event.username, event.object_type, event.client_code))
        for content in ("phq9", "PHQ", "Severe"):
            self.assertNotIn(content, logged)

    def test_bad_input_is_a_readable_value_error(self):
        cases = {
            "There is no questionnaire 'bdi2'.": {"measure_slug": "bdi2"},
            "Item 12: PHQ-9 has no such item.": {"answers": {12: 1}},
            "Item 2: the answer must be one of 0 to 3.": {"answers": {2: 7}},
            "No question was answered.": {"answers": {1: None}},
            "cannot be in the future": {
                "administered_on": timezone.localdate() + datetime.timedelta(1)
            },
            # A typo the reports cannot count weeks back from (0001-01-01 made them fail).
            "cannot be before 1 January 1900": {"administered_on": datetime.date(1, 1, 1)},
            "before 1 January 1900: check the year": {"administered_on": datetime.date(26, 3, 2)},
        }
        for message, bad in cases.items():
            arguments = {
                "client": self.client_of_alice,
                "measure_slug": "phq9",
                "answers": {1: 1},
                "administered_on": DAY,
                "user": self.alice,
                **bad,
            }
            with self.subTest(message), self.assertRaisesMessage(ValueError, message):
                services.record_administration(**arguments)
        self.assertFalse(Administration.objects.exists())

    def test_a_day_before_the_clients_birth_is_refused_and_the_birthday_accepted(self):
        born = make_client(self.alice, date_of_birth=datetime.date(2001, 5, 4))
        arguments = {"client": born, "measure_slug": "phq9", "answers": {1: 1}, "user": self.alice}
        with self.assertRaisesMessage(ValueError, "before the client's date of birth (4 May 2001)"):
            services.record_administration(**arguments, administered_on=datetime.date(2001, 5, 3))
        services.record_administration(**arguments, administered_on=datetime.date(2001, 5, 4))
        self.assertEqual(Administration.objects.filter(client=born).count(), 1)

    def test_an_unknown_source_is_refused(self):
        with self.assertRaises(ValueError):
            record(self.client_of_alice, "phq9", total=3, source="email")


class ScheduleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.client_of_alice = make_client(cls.alice)

    def test_set_and_change_the_schedule(self):
        services.set_schedule(
            client=self.client_of_alice,
            user=self.alice,
            due={"gad7": "every_4_weeks", "phq9": "every_session"},
        )
        changed = services.set_schedule(
            client=self.client_of_alice, user=self.alice, due={"core10": "intake_discharge"}
        )
        self.assertEqual(MeasureSchedule.objects.count(), 1)
        self.assertEqual(
            MeasureSchedule.objects.get(pk=changed.pk).due, {"core10": "intake_discharge"}
        )
        self.assertEqual(AuditEvent.objects.filter(action=Action.EDIT_MEASURE_SCHEDULE).count(), 2)
        self.assertNotIn(b"core10", raw_column(MeasureSchedule, "due", changed.pk))

    def test_the_order_is_the_catalogues(self):
        schedule = services.set_schedule(
            client=self.client_of_alice,
            user=self.alice,
            due={"core10": "every_session", "phq9": "every_session"},
        )
        self.assertEqual(list(schedule.due), ["phq9", "core10"])

    def test_unknown_measures_and_frequencies_are_refused(self):
        with self.assertRaisesMessage(ValueError, "There is no questionnaire 'ors'."):
            services.set_schedule(client=self.client_of_alice, user=self.alice, due={"ors": "x"})
        with self.assertRaisesMessage(ValueError, "'weekly' is not a frequency"):
            services.set_schedule(
                client=self.client_of_alice, user=self.alice, due={"phq9": "weekly"}
            )
        self.assertFalse(MeasureSchedule.objects.exists())

    def test_another_therapists_client_is_refused(self):
        with self.assertRaises(PermissionError):
            services.set_schedule(client=self.client_of_alice, user=self.bob, due={})


class LinkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.client_of_alice = make_client(cls.alice)

    def make(self, slug="gad7"):
        return services.create_link(client=self.client_of_alice, measure_slug=slug, user=self.alice)

    def test_only_the_hash_of_the_token_is_stored(self):
        link, raw = self.make()
        self.assertGreaterEqual(len(raw), 43)
        self.assertEqual(link.token_hash, hashlib.sha256(raw.encode()).hexdigest())
        self.assertEqual(link.expires_at - link.created_at, datetime.timedelta(hours=72))
        stored = ClientLink.objects.filter(pk=link.pk).values_list("token_hash", flat=True)
        self.assertNotIn(raw, list(stored))
        self.assertNotIn(b"gad7", raw_column(ClientLink, "measure", link.pk))
        self.assertEqual(AuditEvent.objects.filter(action=Action.MEASURE_LINK_CREATED).count(), 1)

    def test_two_links_have_different_tokens(self):
        self.assertNotEqual(self.make()[1], self.make()[1])

    def test_find_link_by_its_token(self):
        link, raw = self.make()
        self.assertEqual(services.find_link(raw), link)
        for unknown in ("", raw[:-1], raw + "x", "a" * 500, None):
            with self.subTest(unknown=unknown):
                self.assertIsNone(services.find_link(unknown))

    def test_a_link_expires_after_72_hours(self):
        link, raw = self.make()
        almost = link.created_at + datetime.timedelta(hours=72) - datetime.timedelta(seconds=1)
        with mock.patch("django.utils.timezone.now", return_value=almost):
            self.assertEqual(services.find_link(raw), link)
        expired = link.created_at + datetime.timedelta(hours=72)
        with mock.patch("django.utils.timezone.now", return_value=expired):
            self.assertIsNone(services.find_link(raw))
            with self.assertRaises(services.LinkInvalid):
                services.redeem_link(raw_token=raw, answers={1: 1})
        self.assertFalse(Administration.objects.exists())

    def test_redeeming_records_the_answers_once(self):
        link, raw = self.make()
        answers = answers_for_total(measure("gad7"), 12)
        stored = services.redeem_link(raw_token=raw, answers=answers)
        self.assertEqual(stored.source, "link")
        self.assertEqual(stored.recorded_by, self.alice)
        self.assertEqual(stored.administered_on, timezone.localdate())
        self.assertEqual((stored.measure, stored.total), ("gad7", 12.0))
        self.assertIsNotNone(ClientLink.objects.get(pk=link.pk).used_at)
        self.assertEqual(AuditEvent.objects.filter(action=Action.MEASURE_LINK_USED).count(), 1)
        with self.assertRaises(services.LinkInvalid):
            services.redeem_link(raw_token=raw, answers=answers)
        self.assertIsNone(services.find_link(raw))
        self.assertEqual(Administration.objects.count(), 1)

    def test_an_unknown_token_cannot_be_redeemed(self):
        self.make()
        with self.assertRaises(services.LinkInvalid):
            services.redeem_link(raw_token="not-a-token", answers={1: 1})

    def test_bad_answers_leave_the_link_usable_until_refused_too_often(self):
        link, raw = self.make()
        with self.assertRaises(ValueError):
            services.redeem_link(raw_token=raw, answers={1: 9})
        self.assertEqual(services.find_link(raw), link)
        for _ in range(5):
            services.refuse_link(link=link)
        self.assertIsNone(services.find_link(raw))
        refused = AuditEvent.objects.filter(action=Action.MEASURE_LINK_REFUSED)
        self.assertEqual([event.outcome for event in refused], ["denied"] * 5)

    def test_links_are_made_for_the_therapists_own_clients_only(self):
        with self.assertRaises(PermissionError):
            services.create_link(client=self.client_of_alice, measure_slug="phq9", user=self.bob)
        with self.assertRaisesMessage(ValueError, "There is no questionnaire"):
            services.create_link(client=self.client_of_alice, measure_slug="srs", user=self.alice)
        self.assertFalse(ClientLink.objects.exists())


class ForTherapistTests(TestCase):
    def test_each_model_reaches_only_the_therapists_own_clients(self):
        alice, bob = make_therapist("alice"), make_therapist("bob")
        client = make_client(alice)
        record(client, "phq9", total=4)
        services.set_schedule(client=client, user=alice, due={"phq9": "every_session"})
        services.create_link(client=client, measure_slug="phq9", user=alice)
        for model in (Administration, MeasureSchedule, ClientLink):
            with self.subTest(model.__name__):
                self.assertEqual(model.objects.for_therapist(alice).count(), 1)
                self.assertEqual(model.objects.for_therapist(bob).count(), 0)
                self.assertEqual(model.objects.for_therapist(None).count(), 0)


class SchemaTests(TestCase):
    def test_every_text_column_is_encrypted_but_the_source_choice_and_the_token_hash(self):
        plain = set()
        for model in apps.get_app_config("measures").get_models():
            for field in model._meta.concrete_fields:
                text = isinstance(field, models.CharField | models.TextField | models.JSONField)
                if text and not isinstance(field, EncryptedField):
                    plain.add(f"{model.__name__}.{field.name}")
        self.assertEqual(plain, {"Administration.source", "ClientLink.token_hash"})


OLD_KEYS = "1:dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="  # tests/settings.py's key
NEW_KEYS = "2:" + base64.b64encode(b"measures-rotation-test-key-2-abc").decode() + "," + OLD_KEYS


@contextmanager
def field_keys(keys: str):
    try:
        with override_settings(FIELD_ENCRYPTION_KEYS=keys, FIELD_ENCRYPTION_KEY_FILE=""):
            reset_keyring()
            yield
    finally:
        reset_keyring()


class RecordLifeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.client_of_alice = make_client(cls.alice, full_name="To Be Erased")
        cls.kept = make_client(cls.alice, full_name="Stays")
        for client in (cls.client_of_alice, cls.kept):
            make_measure_records(client)

    def test_key_rotation_re_encrypts_every_measures_value(self):
        ours = [model for model, _fields in rotation.encrypted_models()]
        for model in (Administration, MeasureSchedule, ClientLink):
            self.assertIn(model, ours)
        before = [
            (row.measure, row.administered_on, row.answers, row.result)
            for row in Administration.objects.order_by("pk")
        ]
        with field_keys(NEW_KEYS):
            result = rotation.rotate()
            census = rotation.census()
            after = [
                (row.measure, row.administered_on, row.answers, row.result)
                for row in Administration.objects.order_by("pk")
            ]
            schedules = [row.due for row in MeasureSchedule.objects.all()]
            links = [row.measure for row in ClientLink.objects.all()]
        self.assertEqual(result.failed, [])
        for name, counter in census.items():
            if name.startswith("measures."):
                self.assertEqual(set(counter), {2}, name)
        self.assertEqual(after, before)
        self.assertEqual(schedules, [{"phq9": "every_session"}] * 2)
        self.assertEqual(links, ["gad7"] * 2)
        out = io.StringIO()
        with field_keys(NEW_KEYS):
            call_command("verify_records", stdout=out, stderr=io.StringIO())
        self.assertIn("ok", out.getvalue())

    def test_erasing_the_client_takes_every_measures_row_and_the_ledger_verifies(self):
        session_services.erase_client(client=self.client_of_alice)
        for model in (Administration, MeasureSchedule, ClientLink):
            with self.subTest(model.__name__):
                self.assertFalse(model.objects.filter(client_id=self.client_of_alice.pk).exists())
                # Negative control: the other client's rows stay.
                self.assertEqual(model.objects.filter(client=self.kept).count(), 1)
        out = io.StringIO()
        call_command("verify_records", stdout=out)
        self.assertIn("ok", out.getvalue())
