"""The build of a large summary in its own process, as the page starts it on a server:
``manage.py build_prepared_summary`` gets the passphrase on its standard input, and the file it
stores opens with that passphrase (test_jobs.py runs the build in the test's process)."""

import datetime
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from pypdf import PdfReader

from accounts.testing import sign_in
from audit.models import Action, AuditEvent
from summaries.models import PreparedStatus, PreparedSummary
from tests.base import make_client, make_session, make_therapist
from tests.builders import summary_form
from tests.pdfs import ascii_canary

from .helpers import needs_poppler, run

PASSPHRASE = " spaces at both ends, too "
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def process_environment() -> dict:
    """The server's environment, pointed at the test database."""
    return {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
    }


def wait_for(job_id, seconds: float = 120) -> PreparedSummary:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = PreparedSummary.objects.get(pk=job_id)
        if job.status != PreparedStatus.PENDING:
            return job
        time.sleep(0.2)
    raise AssertionError(f"the build did not finish in {seconds} s")


@override_settings(SUMMARY_BACKGROUND_OVER=2)
class BuildProcessTests(TransactionTestCase):
    # The flush after each test empties the built-in themes (a data migration): restore them.
    serialized_rollback = True

    def setUp(self):
        self.alice = make_therapist("alice")
        self.client_record = make_client(self.alice, full_name="Process Client")
        self.word = ascii_canary("processbuilt")
        for day in (2, 9, 16):
            make_session(
                self.client_record,
                date=datetime.date(2026, 3, day),
                note={"subjective": f"Said {self.word} today."},
            )
        sign_in(self.client, self.alice)

    @needs_poppler
    def test_the_page_starts_a_process_that_stores_the_file_encrypted_with_the_passphrase(self):
        data = summary_form(
            risk_history="changes", passphrase=PASSPHRASE, passphrase_confirm=PASSPHRASE
        )
        with mock.patch.dict(os.environ, process_environment()):
            response = self.client.post(reverse("case_summary", args=[self.client_record.pk]), data)
        job_id = PreparedSummary.objects.get().pk
        self.assertRedirects(response, reverse("prepared_summary", args=[job_id]))
        job = wait_for(job_id)
        self.assertEqual(job.status, PreparedStatus.READY)
        self.assertTrue(
            AuditEvent.objects.filter(
                action=Action.SUMMARY_PREPARED, object_id=str(job_id)
            ).exists()
        )
        pdf = self.client.post(reverse("prepared_summary_download", args=[job_id])).content
        self.assertTrue(PdfReader(io.BytesIO(pdf)).is_encrypted)
        opened = run("pdftotext", "-upw", PASSPHRASE, "-enc", "UTF-8", "-", "-", data=pdf)
        self.assertEqual(opened.returncode, 0, opened.stderr)
        self.assertIn(self.word, opened.stdout.decode())
        self.assertFalse(PreparedSummary.objects.exists())

    def test_the_command_refuses_an_unknown_id_in_one_line(self):
        env = {**os.environ, **process_environment()}
        for argument, message in (
            ("not-an-id", "not a prepared summary id"),
            ("0f0f0f0f-0000-4000-8000-000000000000", "is waiting to be built"),
        ):
            result = subprocess.run(
                [sys.executable, str(MANAGE), "build_prepared_summary", argument],
                capture_output=True,
                text=True,
                env=env,
                input="",
                timeout=120,
                check=False,
            )
            self.assertEqual(result.returncode, 1, argument)
            self.assertIn(message, result.stderr)
            self.assertNotIn("Traceback", result.stderr)
