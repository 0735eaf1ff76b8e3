import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router

from audit.chain import verify_chain
from audit.models import AuditEvent
from audit.triggers import triggers_missing

_HEAD = re.compile(r"(\d+):([0-9a-fA-F]{16,64})…?")


class Command(BaseCommand):
    help = (
        "Check the audit log's HMAC chain. Prints 'ok' with the count and the head (seq and "
        "mac) to write down, or the first broken link and exits non-zero."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="SEQ:MAC",
            help="A head printed earlier (mac: at least 16 hex digits); fails if that entry is "
            "gone or changed, which catches deletion of the newest entries.",
        )

    def handle(self, **options) -> None:
        expected = None
        if options["expect_head"]:
            match = _HEAD.fullmatch(options["expect_head"].strip())
            if not match:
                raise CommandError("--expect-head must be SEQ:MAC, e.g. 1042:3f9a0c1d2e4b5a69.")
            expected = (int(match[1]), match[2])
        missing = triggers_missing(connections[router.db_for_write(AuditEvent)])
        report = verify_chain(expected_head=expected)
        if not report.ok:
            raise CommandError(report.summary())
        if missing:
            # The chain checks out, but the database no longer refuses changes to the log:
            # someone dropped or disabled the triggers (or a migration rebuilt the table).
            self.stdout.write(report.summary())
            raise CommandError(
                "the audit log's append-only triggers are missing: " + ", ".join(sorted(missing))
            )
        self.stdout.write(report.summary())
