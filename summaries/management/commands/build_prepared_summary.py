import sys
import uuid

from django.core.management.base import BaseCommand, CommandError

from summaries.jobs import build_prepared


class Command(BaseCommand):
    help = (
        "Build a case summary the summary page prepared for download (started by the page: "
        "summaries/jobs.py). A passphrase, if the file has one, is read from standard input."
    )

    def add_arguments(self, parser):
        parser.add_argument("job", help="the prepared summary's id")

    def handle(self, *args, **options):
        try:
            job_id = uuid.UUID(options["job"])
        except ValueError:
            raise CommandError(f"not a prepared summary id: {options['job']!r}") from None
        # From the page's pipe; nothing when a person runs the command at a terminal.
        passphrase = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        status = build_prepared(job_id, passphrase=passphrase)
        if status is None:
            raise CommandError(f"no prepared summary {job_id} is waiting to be built")
        self.stdout.write(f"Prepared summary {job_id}: {status}.")
