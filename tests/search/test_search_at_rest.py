"""Search keeps nothing at rest and sees writes committed by another process.

Committed data (TransactionTestCase), so that the database file holds what a real deployment's
would, and so that a second Python process can read and write it.
"""

import datetime
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse

from accounts.testing import sign_in
from search.models import IndexGeneration
from tests.base import make_client, make_session, make_therapist
from tests.scanning import hits, new_canary, raw_database_bytes

URL = reverse("search")
SKIPPED_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".ruff_cache", ".hypothesis"}


def snapshot(*roots: Path) -> dict[Path, tuple[int, int]]:
    """Every file under the roots, with its modification time and size."""
    files = {}
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
            for name in names:
                path = Path(folder, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue  # removed meanwhile (other processes share the temp dir)
                files[path] = (stat.st_mtime_ns, stat.st_size)
    return files


def written_since(before: dict, after: dict) -> list[Path]:
    return [path for path, stamp in after.items() if before.get(path) != stamp]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


class SearchAtRestTests(TransactionTestCase):
    serialized_rollback = True

    def setUp(self):
        self.alice = make_therapist("alice")
        self.bob = make_therapist("bob")
        self.canary = new_canary("Zebrafinch")
        self.token = self.canary.split("-")[1]
        self.alice_client = make_client(self.alice, full_name=new_canary("Quill"))
        self.session = make_session(
            self.alice_client,
            note={"subjective": f"Spoke of {self.canary} at length."},
            date=datetime.date(2026, 3, 2),
        )
        sign_in(self.client, self.alice)

    def found(self, q: str) -> list:
        response = self.client.post(URL, {"q": q})
        self.assertEqual(response.status_code, 200)
        return [row["result"].session_id for row in response.context["rows"]]

    def test_searching_writes_nothing_searchable_anywhere(self):
        roots = [Path(tempfile.gettempdir()), Path(settings.BASE_DIR)]
        if connection.vendor == "sqlite":
            roots.append(Path(connection.settings_dict["NAME"]).parent)
        before = snapshot(*roots)

        self.assertEqual(self.found(self.token), [self.session.pk])
        self.assertEqual(self.found(f'"{self.token}" -nothing'), [self.session.pk])
        self.assertEqual(self.found("zebrafinch"), [self.session.pk])

        after = snapshot(*roots)
        changed = written_since(before, after)
        self.assertEqual([p for p in changed if p.name.startswith("etilqs_")], [])
        leaked = [str(p) for p in changed if p.is_file() and hits(p.read_bytes(), [self.canary])]
        self.assertEqual(leaked, [])
        self.assertEqual(hits(raw_database_bytes(), [self.canary, self.token]), [])
        # Search stores a counter, ids in its journal and a sealed snapshot (the scan above
        # finds no canary in it: tests/search/test_snapshots.py checks it is sealed).
        self.assertEqual(
            list(IndexGeneration.objects.values_list("therapist_id", flat=True)), [self.alice.pk]
        )

        # Negative control: the same scan finds the canary in a file written in plain text.
        control = Path(connection.settings_dict["NAME"]).parent / "control.txt"
        if connection.vendor != "sqlite":
            control = Path(tempfile.gettempdir()) / f"search-control-{self.token}.txt"
        control.write_text(f"note: {self.canary}", encoding="utf-8")
        try:
            changed = written_since(after, snapshot(*roots, control.parent))
            self.assertIn(control, changed)
            self.assertEqual(
                hits(control.read_bytes(), [self.canary]), [repr(self.canary) + " (utf-8)"]
            )
        finally:
            control.unlink()

    def test_a_note_saved_by_another_process_is_found_by_the_next_query(self):
        self.assertEqual(self.found("wombat"), [])
        script = (
            "from sessions.models import TherapySession\n"
            "from sessions.services import save_draft_session\n"
            f"s = TherapySession.objects.get(pk='{self.session.pk}')\n"
            "s.note = {'subjective': 'A wombat came up.'}\n"
            "print(save_draft_session(session=s, expected_version=s.version).value)\n"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split()[-1], "saved")
        self.assertEqual(self.found("wombat"), [self.session.pk])
        self.assertEqual(self.found(self.token), [])

    def test_bob_never_finds_alices_canary(self):
        self.assertEqual(self.found(self.token), [self.session.pk])
        sign_in(self.client, self.bob)
        self.assertEqual(self.found(self.token), [])
        self.assertEqual(self.found(f"-{self.token}"), [])
