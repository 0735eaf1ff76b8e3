from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from appointments.feed import OBJECT_TYPE, build_feed
from audit.models import Action
from audit.services import log_event


class Command(BaseCommand):
    help = (
        "Print a therapist's calendar feed (ICS) to stdout: the same events as their "
        "subscription address, labelled with client codes or initials as they chose."
    )

    def add_arguments(self, parser):
        parser.add_argument("--therapist", required=True, help="the therapist (username)")

    def handle(self, *args, **options):
        username = options["therapist"]
        therapist = get_user_model().objects.filter(username=username).first()
        if therapist is None:
            raise CommandError(f"No user named {username!r}.")
        if Account.objects.filter(user=therapist, is_practice_admin=True).exists():
            raise CommandError(f"{username!r} is a practice administrator: they have no clients.")
        body = build_feed(therapist)
        # A fetch like the address's, by the operator on the therapist's behalf.
        log_event(action=Action.FEED_FETCHED, user=therapist, object_type=OBJECT_TYPE)
        # As served: UTF-8 with CRLF line ends, and nothing added after the last one.
        self.stdout.write(body.decode(), ending="")
