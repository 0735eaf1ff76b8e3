"""``manage.py backup --output FILE``: a consistent copy of the live database, with a manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.errors import BackupError
from backups.services import create_backup


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database (while the app keeps serving) and a manifest of "
        "its rows to one file. It holds ciphertext only and no keys: back the keys up "
        "separately (docs/backup.md, docs/keys.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", required=True, metavar="FILE", help="New file to write.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, **options) -> None:
        try:
            outcome = create_backup(Path(options["output"]), using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = outcome.path.stat().st_size
        self.stdout.write(
            f"Backup written to {outcome.path} ({size:,} bytes, {outcome.engine}): "
            f"{outcome.rows:,} rows in {outcome.tables} tables, {outcome.encrypted_values:,} "
            f"encrypted values (key ids {', '.join(map(str, outcome.key_ids)) or 'none'}), "
            f"{outcome.seconds:.1f} s. It holds no keys: keep the keyring's own backup safe."
        )
