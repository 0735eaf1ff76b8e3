from django.core.management.base import BaseCommand

from summaries.jobs import discard_expired


class Command(BaseCommand):
    help = (
        "Delete prepared case summaries older than an hour. The summary pages do this on "
        "every request; run this from a timer to be sure none outlives its hour when nobody "
        "uses them."
    )

    def handle(self, *args, **options):
        deleted = discard_expired()
        self.stdout.write(f"Deleted {deleted} prepared summar{'y' if deleted == 1 else 'ies'}.")
