import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from audit.heads import HEAD_PREFIX, add_expect_head_argument, expected_head
from integrity.ledger import ledger_db
from integrity.triggers import ledger_triggers_missing
from integrity.verify import count_work, verify

BAR = 30


class Progress:
    """A progress bar on stderr when it is a terminal; nothing otherwise (logs, cron)."""

    def __init__(self, stream, total: int) -> None:
        self.stream, self.total, self.done, self.shown = stream, max(total, 1), 0, -1
        self.live = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, n: int) -> None:
        self.done += n
        percent = min(100, self.done * 100 // self.total)
        if self.live and percent != self.shown:
            self.shown = percent
            filled = BAR * percent // 100
            self.stream.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {percent:3d}%")
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")


class Command(BaseCommand):
    help = (
        "Check every record against the integrity ledger: rolled back, unsigned, moved, "
        "deleted, restored after erasure, inserted or edited outside the application. Prints "
        "'ok' with the counts, or one line per record found and exits with status 1."
    )

    def add_arguments(self, parser) -> None:
        add_expect_head_argument(parser)

    def handle(self, **options) -> None:
        expected = expected_head(options)
        using = ledger_db()
        missing = ledger_triggers_missing(connections[using])
        progress = Progress(sys.stderr, count_work(using))
        report = verify(using, progress, expected)
        progress.close()
        for finding in report.findings:
            self.stdout.write("changed: " + finding.line())
        if report.chain_break:
            self.stdout.write("broken: " + report.chain_break)
        problems = []
        if report.findings:
            count = len(report.findings)
            problems.append(
                f"{count} record{'s' if count != 1 else ''} changed outside the application "
                "(listed above)"
            )
        if report.chain_break:
            problems.append(f"the ledger's chain is broken: {report.chain_break}")
        if missing:
            problems.append(
                "the ledger's append-only triggers are missing: " + ", ".join(sorted(missing))
            )
        if problems:
            raise CommandError("; ".join(problems) + ".")
        head = (
            f", head seq {report.head_seq} mac {report.head_mac[:HEAD_PREFIX]}…"
            if report.head_seq
            else ""
        )
        self.stdout.write(f"ok: {report.rows} records match {report.entries} ledger entries{head}")
