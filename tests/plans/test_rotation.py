"""Key rotation (encryption/rotation.py) re-encrypts the plans' rows too: signed versions and
the progress of signed notes pass their triggers through the rotation permit, their plaintext
and content seals stay as they were, and the integrity ledger follows."""

import base64
import io
from contextlib import contextmanager

from django.core.management import call_command
from django.test import override_settings

from encryption import rotation
from encryption.keys import reset_keyring
from plans import services
from plans.models import NoteProgress, PlanVersion, TreatmentPlan
from sessions import services as session_services
from tests.base import make_session

from .helpers import PlanTestCase

OLD_KEYS = "1:dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="  # tests/settings.py's key
ROTATED_KEYS = "2:" + base64.b64encode(b"plans-rotation-key-2-plans-rotat").decode() + ","
ROTATED_KEYS += OLD_KEYS
FIELDS = ["plans.PlanVersion.content", "plans.PlanVersion.review_date"]
FIELDS += ["plans.NoteProgress.entries"]


@contextmanager
def field_keys(keys: str):
    try:
        with override_settings(FIELD_ENCRYPTION_KEYS=keys, FIELD_ENCRYPTION_KEY_FILE=""):
            reset_keyring()
            yield
    finally:
        reset_keyring()


def plaintexts() -> dict:
    return {
        **{(v.pk, "content"): v.content for v in PlanVersion.objects.all()},
        **{(v.pk, "review"): v.review_date for v in PlanVersion.objects.all()},
        **{(p.pk, "entries"): p.entries for p in NoteProgress.objects.all()},
    }


class PlanRotationTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        note = make_session(cls.alice_client)
        services.record_progress(
            session=note,
            user=cls.alice,
            goals_addressed=["g1"],
            objectives={"o2": {"rating": "no_change", "comment": "Visit went badly."}},
        )
        session_services.sign_session(session=note, signer=cls.alice, expected_version=1)
        services.start_draft(client=cls.alice_client, user=cls.alice)

    def test_rotation_moves_every_plan_value_to_the_new_key_and_keeps_the_seals(self):
        with field_keys(OLD_KEYS):
            before = plaintexts()
            counts = rotation.census()
        self.assertTrue(all(sum(counts[name].values()) for name in FIELDS), counts)
        with field_keys(ROTATED_KEYS):
            result = rotation.rotate(batch_size=1)
            after = rotation.census()
            self.assertEqual(plaintexts(), before)
            for version in PlanVersion.objects.filter(status="signed"):
                self.assertTrue(version.integrity_ok())
        self.assertEqual(result.failed, [])
        for name in FIELDS:
            self.assertEqual(set(after[name]), {2}, name)
        self.assertEqual(TreatmentPlan.objects.count(), 1)
        out = io.StringIO()
        call_command("verify_records", stdout=out, stderr=io.StringIO())
        self.assertRegex(out.getvalue(), r"^ok: ")
