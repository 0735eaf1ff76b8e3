"""Two processes share one therapist's index: the second loads the first's sealed snapshot
rather than building, and each sees the other's writes on its next query (the journal)."""

import json
import os
import subprocess
import sys
import tempfile

from django.db import connection
from django.test import TransactionTestCase

from search.index import registry
from search.models import SearchSnapshot
from search.services import SearchFilters, search
from tests.base import make_client, make_session, make_therapist
from tests.processes import REPO

# Searches in a process of its own, printing what it found and whether it built the index
# from the notes or loaded a snapshot.
SEARCHER = """
import json, sys, django
django.setup()
from django.contrib.auth import get_user_model
from search.index import TherapistIndex
from search.services import SearchFilters, search
built = []
build = TherapistIndex._build
def counting(self):
    built.append(self.therapist_id)
    return build(self)
TherapistIndex._build = counting
user = get_user_model().objects.get(pk=int(sys.argv[1]))
def ids(word):
    page = search(therapist=user, query=word, filters=SearchFilters())
    return [str(result.session_id) for result in page.results]
found = {word: ids(word) for word in sys.argv[2:]}
print(json.dumps({"found": found, "built": len(built)}))
"""


# Writes a note in a process of its own, through the one door for note writes.
WRITER = """
import datetime, json, sys, django
django.setup()
from clients.models import Client
from sessions.models import TherapySession
from sessions.services import create_session
client = Client.objects.get(pk=sys.argv[1])
session = TherapySession(
    date=datetime.date(2026, 4, 6), start_time=datetime.time(10), note_format="soap",
    note={"subjective": sys.argv[2]},
)
print(json.dumps({"written": str(create_session(session=session, client=client).pk)}))
"""


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


class TwoProcessTests(TransactionTestCase):
    serialized_rollback = True  # the flush after each test empties the built-in themes

    def search_elsewhere(self, therapist, *words: str) -> dict:
        return self.elsewhere(SEARCHER, str(therapist.pk), *words)

    def elsewhere(self, script: str, *args: str) -> dict:
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run(
                [sys.executable, "-c", script, *args],
                cwd=REPO,
                env={
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "HOME": scratch,
                    "LANG": "C.UTF-8",
                    "DJANGO_SETTINGS_MODULE": "tests.settings",
                    "DATABASE_URL": database_url(),
                    "TEST_DB_DIR": scratch,
                },
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_each_process_sees_the_other_s_writes_on_its_next_query(self):
        registry.clear()
        therapist = make_therapist("shared")
        client = make_client(therapist, full_name="Shared Index Client")
        first = make_session(client, note={"subjective": "albatross seen at the harbour"})

        # Another process, after a restart: no snapshot yet, so it builds (and seals one).
        elsewhere = self.search_elsewhere(therapist, "albatross")
        self.assertEqual(elsewhere, {"found": {"albatross": [str(first.pk)]}, "built": 1})
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=therapist.pk).exists())

        # This process loads that snapshot, and a write here is found there next time,
        # from the snapshot and the journal, without a build.
        page = search(therapist=therapist, query="albatross", filters=SearchFilters())
        self.assertEqual([r.session_id for r in page.results], [first.pk])
        second = make_session(client, note={"subjective": "cormorant on the pier"})
        elsewhere = self.search_elsewhere(therapist, "cormorant", "albatross")
        self.assertEqual(
            elsewhere,
            {"found": {"cormorant": [str(second.pk)], "albatross": [str(first.pk)]}, "built": 0},
        )

        # A note written in the other process is found here on the next query.
        written = self.elsewhere(WRITER, str(client.pk), "puffin in the burrow")["written"]
        page = search(therapist=therapist, query="puffin", filters=SearchFilters())
        self.assertEqual([str(r.session_id) for r in page.results], [written])
        registry.clear()
