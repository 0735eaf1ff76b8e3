"""manage.py import_calendar FILE --therapist USER [--dry-run]

Imports the events of a calendar file (.ics) that match one of the therapist's clients (by
code or name, as the upload page does); unmatched events are counted, not imported (the
upload page's review step is where they are given a client). Progress goes to stderr; the last
line on stdout is one JSON object:

    {"created": N, "matched": N, "unmatched": N, "duplicates": N, "skipped": N}

``matched`` = events matched to a client (``created`` + ``duplicates``, those imported
before); ``skipped`` = events left out (all-day, no start, longer than 10 hours, cancelled,
outside the window). ``--dry-run`` writes nothing and prints the counts a real run would.
A file that cannot be read, or an unknown user, exits non-zero with one line on stderr and
changes nothing.
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from appointments import ics_import, services
from appointments.ics_import import CalendarFileError


class Command(BaseCommand):
    help = "Import the appointments of a calendar file (.ics) for a therapist's clients."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the calendar file (.ics)")
        parser.add_argument("--therapist", required=True, help="the therapist (username)")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be imported; write nothing"
        )

    def handle(self, *args, **options):
        therapist = self._therapist(options["therapist"])
        path = options["file"]
        try:
            with open(path, "rb") as handle:
                data = handle.read(ics_import.MAX_FILE_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
        self._progress(f"Reading {path} ({len(data):,} bytes)…")
        try:
            parsed = ics_import.parse(data)
        except CalendarFileError as error:
            raise CommandError(f"{path}: {error}") from None
        self._progress(
            f"{len(parsed.occurrences):,} events in the window, {parsed.skipped:,} skipped; "
            "matching them to clients…"
        )
        batch = ics_import.match_all(parsed, ics_import.Matcher.for_therapist(therapist))
        events, unmatched = ics_import.to_import(batch, therapist)
        matched = len(events)
        self._progress(
            f"{matched:,} matched, {unmatched:,} unmatched; "
            + ("counting (dry run)…" if options["dry_run"] else "importing…")
        )
        result = services.import_events(
            therapist=therapist, events=events, batch_id=batch.id, dry_run=options["dry_run"]
        )
        self._progress(
            f"{'Would create' if options['dry_run'] else 'Created'} {result.created:,} "
            f"appointments; {result.duplicates:,} imported before."
        )
        counts = {
            "created": result.created,
            "matched": matched,
            "unmatched": unmatched,
            "duplicates": result.duplicates,
            "skipped": batch.skipped,
        }
        self.stdout.write(json.dumps(counts))

    def _therapist(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"the account {username!r} is deactivated")
        if Account.objects.filter(user=user, is_practice_admin=True).exists():
            raise CommandError(f"{username!r} is a practice administrator, not a therapist")
        return user

    def _progress(self, line: str) -> None:
        self.stderr.write(line)
