"""manage.py import_calendar FILE --therapist USER [--dry-run]: matched events created,
unmatched counted, progress on stderr, one JSON line last on stdout; a dry run writes nothing;
a bad file or an unknown user is one line on stderr, a non-zero exit and no change."""

import json
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from accounts.models import Account
from appointments.models import Appointment, Series
from audit.models import Action, AuditEvent
from tests.appointments.calendar_files import calendar, local_now_plus, vevent
from tests.base import make_client, make_therapist


class ImportCalendarCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.anna = make_client(cls.alice, full_name="Anna Kowalski")  # C-0001
        cls.bobs = make_client(cls.bob, full_name="Bruno Lindqvist")

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)
        self.path = self.write(
            calendar(
                vevent(
                    "anna@x",
                    local_now_plus(1, 10),
                    summary="Anna Kowalski",
                    lines=("RRULE:FREQ=WEEKLY;COUNT=5",),
                ),
                vevent("code@x", local_now_plus(2, 16), summary="C-0001 (extra)"),
                vevent("bruno@x", local_now_plus(3, 10), summary="Bruno Lindqvist"),
                vevent("lunch@x", local_now_plus(3, 12), summary="Lunch"),
                ["BEGIN:VEVENT", "UID:allday", "DTSTART;VALUE=DATE:20270101", "END:VEVENT"],
            )
        )

    def write(self, data: bytes, name: str = "calendar.ics") -> str:
        path = self.folder / name
        path.write_bytes(data)
        return str(path)

    def run_command(self, *args):
        out, err = StringIO(), StringIO()
        call_command("import_calendar", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def last_json(self, out: str) -> dict:
        lines = out.strip().splitlines()
        return json.loads(lines[-1])

    def test_matched_events_are_created_and_the_last_line_is_the_counts(self):
        out, err = self.run_command(self.path, "--therapist", "alice")
        counts = self.last_json(out)
        self.assertEqual(
            counts, {"created": 6, "matched": 6, "unmatched": 2, "duplicates": 0, "skipped": 1}
        )
        self.assertEqual(list(counts), ["created", "matched", "unmatched", "duplicates", "skipped"])
        self.assertEqual(Appointment.objects.filter(client=self.anna).count(), 6)
        self.assertFalse(Appointment.objects.filter(client=self.bobs).exists())
        self.assertIn("importing", err)
        self.assertEqual(AuditEvent.objects.filter(action=Action.CALENDAR_IMPORTED).count(), 1)

    def test_a_second_run_finds_only_duplicates(self):
        self.run_command(self.path, "--therapist", "alice")
        before = sorted(Appointment.objects.values_list("pk", "start", "updated_at"))
        out, _ = self.run_command(self.path, "--therapist", "alice")
        self.assertEqual(
            self.last_json(out),
            {"created": 0, "matched": 6, "unmatched": 2, "duplicates": 6, "skipped": 1},
        )
        self.assertEqual(
            sorted(Appointment.objects.values_list("pk", "start", "updated_at")), before
        )

    def test_a_dry_run_creates_nothing_and_prints_the_same_counts(self):
        out, err = self.run_command(self.path, "--therapist", "alice", "--dry-run")
        self.assertEqual(
            self.last_json(out),
            {"created": 6, "matched": 6, "unmatched": 2, "duplicates": 0, "skipped": 1},
        )
        self.assertFalse(Appointment.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action=Action.CALENDAR_IMPORTED).exists())
        self.assertIn("dry run", err)

    def test_bobs_import_of_the_same_file_matches_only_his_client(self):
        out, _ = self.run_command(self.path, "--therapist", "bob")
        # Anna's name is not his client's; C-0001 is his own Bruno's code.
        self.assertEqual(
            self.last_json(out),
            {"created": 2, "matched": 2, "unmatched": 6, "duplicates": 0, "skipped": 1},
        )
        self.assertEqual(set(Appointment.objects.values_list("client", flat=True)), {self.bobs.pk})

    def assertRefused(self, args, says: str):
        audit_before = AuditEvent.objects.count()
        with self.assertRaises(CommandError) as caught:
            self.run_command(*args)
        message = str(caught.exception)
        self.assertIn(says, message)
        self.assertNotIn("\n", message)
        self.assertFalse(Appointment.objects.exists())
        self.assertFalse(Series.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), audit_before)

    def test_bad_files_and_unknown_users_are_one_line_and_change_nothing(self):
        cases = {
            "garbage": (
                [self.write(b"\x00\x01garbage\xff", "g.ics"), "--therapist", "alice"],
                "not a calendar",
            ),
            "empty": ([self.write(b"", "e.ics"), "--therapist", "alice"], "empty"),
            "truncated": (
                [self.write(Path(self.path).read_bytes()[:200], "t.ics"), "--therapist", "alice"],
                "not a calendar",
            ),
            "missing file": (
                [str(self.folder / "nope.ics"), "--therapist", "alice"],
                "cannot read",
            ),
            "unknown user": ([self.path, "--therapist", "mallory"], "no user named 'mallory'"),
        }
        for label, (args, says) in cases.items():
            with self.subTest(label):
                self.assertRefused(args, says)

    def test_a_practice_administrator_is_refused(self):
        admin = make_therapist("carol")
        Account.objects.create(user=admin, is_practice_admin=True)
        self.assertRefused([self.path, "--therapist", "carol"], "practice administrator")

    def test_the_command_exits_non_zero_from_the_shell(self):
        """CommandError is what manage.py turns into exit status 1 and one stderr line."""
        from django.core.management import ManagementUtility

        utility = ManagementUtility(
            ["manage.py", "import_calendar", "nope.ics", "--therapist", "x"]
        )
        err = StringIO()
        with self.assertRaises(SystemExit) as caught, _stderr(err):
            utility.execute()
        self.assertEqual(caught.exception.code, 1)
        self.assertEqual(err.getvalue().strip().count("\n"), 0, err.getvalue())


def _stderr(stream):
    from contextlib import redirect_stderr

    return redirect_stderr(stream)
