from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router

from audit.chain import verify_chain
from audit.heads import add_expect_head_argument, expected_head
from audit.models import AuditEvent
from audit.triggers import triggers_missing


class Command(BaseCommand):
    help = (
        "Check the audit log's HMAC chain. Prints 'ok' with the count and the head (seq and "
        "mac) to write down, or the first broken link and exits non-zero."
    )

    def add_arguments(self, parser) -> None:
        add_expect_head_argument(parser)

    def handle(self, **options) -> None:
        expected = expected_head(options)
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
