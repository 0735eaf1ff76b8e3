"""The commands as an operator runs them: separate processes, settings from the environment,
one line and a non-zero exit on failure, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from tests.backups.helpers import fresh_database, seed_record

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def manage(*args: str, settings_dict: dict) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(settings_dict),
    }
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], capture_output=True, text=True, env=env, timeout=600
    )


class CommandLineTests(TransactionTestCase):
    # The flush after each test empties the built-in themes (a data migration): restore them.
    serialized_rollback = True

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def test_backup_and_restore_in_separate_processes(self):
        seed_record()
        backup = self.tmp_path / "practice.tar"
        made = manage("backup", "--output", str(backup), settings_dict=connection.settings_dict)
        self.assertEqual(made.returncode, 0, made.stderr)
        self.assertIn("It holds no keys", made.stdout)

        again = manage("backup", "--output", str(backup), settings_dict=connection.settings_dict)
        self.assertEqual(again.returncode, 1)
        self.assertEqual(again.stderr.strip().count("\n"), 0, again.stderr)
        self.assertIn("already exists", again.stderr)

        with fresh_database(self.tmp_path) as alias:
            from django.db import connections

            target = connections[alias].settings_dict
            restored = manage("restore", str(backup), settings_dict=target)
            self.assertEqual(restored.returncode, 0, restored.stderr)
            self.assertIn("verified", restored.stdout)

            refused = manage("restore", str(backup), settings_dict=target)
            self.assertEqual(refused.returncode, 1)
            self.assertNotIn("Traceback", refused.stderr)
            self.assertEqual(refused.stderr.strip().count("\n"), 0, refused.stderr)
            self.assertIn("already holds", refused.stderr)

    def test_a_missing_file_is_one_line(self):
        result = manage(
            "restore", str(self.tmp_path / "nope.tar"), settings_dict=connection.settings_dict
        )
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.strip().count("\n"), 0, result.stderr)
        self.assertIn("does not exist", result.stderr)
