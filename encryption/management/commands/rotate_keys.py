"""``manage.py rotate_keys``: re-encrypt every stored value under the primary key.

See encryption/rotation.py for how it stays safe while the app serves and when killed, and
docs/keys.md for the whole procedure.
"""

from django.core.management.base import BaseCommand, CommandError

from encryption.keys import get_keyring
from encryption.rotation import DEFAULT_BATCH_SIZE, census, rotate, values_to_rotate

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (client fields, notes, drafts, addenda, process "
        "notes, themes) under the primary key of FIELD_ENCRYPTION_KEYS, in batches. Safe to "
        "interrupt and to run again; prints how many values each key id protects, before and "
        "after."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the census only; change nothing."
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="Wait this long between batches, to leave the database to a busy app.",
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, **options) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["pause"] < 0:
            raise CommandError("--pause cannot be negative.")
        keyring = get_keyring()
        using = options["database"]
        before = census(using)
        self._print_census("before", before, keyring.primary_id)
        total = values_to_rotate(before, keyring.primary_id)
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {total:,} values would be re-encrypted.")
            return
        self._progress(0, total)
        result = rotate(
            batch_size=options["batch_size"],
            using=using,
            keyring=keyring,
            pause=options["pause"],
            progress=lambda done: self._progress(done, total),
        )
        self.stderr.write("")  # end the progress line
        after = census(using)
        self._print_census("after", after, keyring.primary_id)
        self.stdout.write(
            f"Re-encrypted {result.rotated:,} values under key id {keyring.primary_id}."
        )
        if result.changed_meanwhile:
            self.stdout.write(
                f"{result.changed_meanwhile:,} values were saved by the app during rotation and "
                "kept as saved."
            )
        left = values_to_rotate(after, keyring.primary_id)
        if result.failed:
            for failure in result.failed:
                self.stderr.write(f"cannot decrypt, left unchanged: {failure}")
            raise CommandError(
                f"{len(result.failed)} values could not be decrypted and were left as they are; "
                f"{left:,} values still use an old key."
            )
        if left:
            self.stdout.write(f"{left:,} values still use an old key: run rotate_keys again.")
        else:
            self.stdout.write(
                f"Every value uses key id {keyring.primary_id}; the other keys can be retired "
                "(see docs/keys.md)."
            )

    def _print_census(self, when: str, counts, primary_id: int) -> None:
        key_ids = sorted({key_id for counter in counts.values() for key_id in counter})
        self.stdout.write(f"Values per key id, {when} (primary: {primary_id}):")
        width = max((len(name) for name in counts), default=5)
        header = "".join(f"{f'key {key_id}':>12}" for key_id in key_ids)
        self.stdout.write(f"  {'field':<{width}}{header}")
        totals = {key_id: 0 for key_id in key_ids}
        for name, counter in counts.items():
            cells = "".join(f"{counter.get(key_id, 0):>12,}" for key_id in key_ids)
            self.stdout.write(f"  {name:<{width}}{cells}")
            for key_id in key_ids:
                totals[key_id] += counter.get(key_id, 0)
        cells = "".join(f"{totals[key_id]:>12,}" for key_id in key_ids)
        self.stdout.write(f"  {'total':<{width}}{cells}")

    def _progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + " " * (BAR_WIDTH - filled)
        self.stderr.write(f"\r[{bar}] {done:,}/{total:,} values", ending="")
        self.stderr.flush()
