"""The backup file holds ciphertext only for client data and no key material.

Each scan has a negative control: the same scan, on a backup where the canary or the key was
planted in a column that is not encrypted, finds it.
"""

import pytest
from django.test import TransactionTestCase

from tests.backups.helpers import (
    CANARIES,
    backup_to,
    key_material,
    secrets_in,
    seed_record,
)
from tests.scanning import hits


class AtRestTests(TransactionTestCase):
    # The flush after each test empties the built-in themes (a data migration): restore them.
    serialized_rollback = True

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def setUp(self):
        self.record = seed_record()

    def backup_bytes(self, name: str = "practice.tar") -> bytes:
        path = self.tmp_path / name
        backup_to(path)
        return path.read_bytes()

    def test_no_plaintext_canary_is_in_the_backup(self):
        self.assertEqual(hits(self.backup_bytes(), CANARIES), [])

    def test_negative_control_a_canary_in_a_plain_column_is_found(self):
        self.record.alice.first_name = CANARIES[0]  # auth_user.first_name is not encrypted
        self.record.alice.save()
        self.assertNotEqual(hits(self.backup_bytes(), CANARIES[:1]), [])

    def test_no_key_material_is_in_the_backup(self):
        self.assertEqual(secrets_in(self.backup_bytes(), key_material()), [])

    def test_negative_control_a_key_in_a_plain_column_is_found(self):
        material = key_material()
        self.record.alice.last_name = material["field key 1 (base64)"].decode()
        self.record.alice.first_name = material["field key 1 (raw)"].decode("latin-1")
        self.record.alice.save()
        found = secrets_in(self.backup_bytes(), material)
        self.assertIn("field key 1 (base64)", found)
        self.assertIn("field key 1 (raw)", found)
