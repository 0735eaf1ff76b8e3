"""``manage.py restore FILE``: restore a backup into an empty database and verify it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from backups.errors import BackupError
from backups.services import restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, which must "
        "be empty, then verify it: row counts and hashes against the manifest, every encrypted "
        "value against the configured keys, the audit log's chain and the triggers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE", help="A backup file.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, **options) -> None:
        try:
            outcome = restore_backup(Path(options["file"]), using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise CommandError(
                f"The restored database cannot be read by this version of the app "
                f"({exc.__class__.__name__}: {first_line})."
            ) from None
        self.stdout.write(
            f"Restored {outcome.path} ({outcome.engine}) in {outcome.seconds:.1f} s and verified: "
            f"{outcome.rows:,} rows in {outcome.tables} tables match the manifest, "
            f"{outcome.encrypted_values:,} encrypted values decrypt (key ids "
            f"{', '.join(map(str, outcome.key_ids)) or 'none'}), audit log {outcome.audit}."
        )
