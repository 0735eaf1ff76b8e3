"""Print the six digits a user's authenticator app would show now: development only.

    .venv/bin/python manage.py totp_code demo

For signing in to a development checkout without a phone. The code is that of the user's
confirmed authenticator or, at the first sign-in, of the one the set-up page is showing. It
refuses to run unless DEBUG is on: on a server it would let anyone with a shell pass the second
step as any user.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import unused_code


class Command(BaseCommand):
    help = "Print a user's current two-factor code (development only: DJANGO_DEBUG=true)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError(
                "totp_code is for development only and runs only with DJANGO_DEBUG=true; "
                "on a server, each user reads the code from their authenticator app."
            )
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no account called {username!r}.")
        device = _authenticator(user)
        if device is None:
            raise CommandError(
                f"{username} has no authenticator yet: sign in with the password first, and "
                "the set-up page makes one."
            )
        code = unused_code(device)
        if code is None:
            raise CommandError(
                "the codes of this moment were used already: try again in 30 seconds."
            )
        self.stdout.write(code)


def _authenticator(user) -> TOTPDevice | None:
    """The confirmed authenticator, else the one being set up (a user has at most one of each:
    accounts.two_factor)."""
    devices = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id")
    return devices.first()
