"""Open an account from the command line: the first practice administrator, or a therapist.

    python manage.py create_account office --first-name Office --practice-admin
    python manage.py create_account alice --first-name Alice --last-name Moreau

The password is asked for twice (or read from standard input with --password-stdin). The
user sets up two-factor sign-in at the first sign-in.
"""

import getpass
import sys

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Account
from accounts.names import validate_visible_name
from audit.models import Action
from audit.services import log_event


class Command(BaseCommand):
    help = "Open a therapist's or a practice administrator's account."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--practice-admin",
            action="store_true",
            help="manages accounts, cannot open clinical records",
        )
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )

    def handle(self, *args, **options):
        model = get_user_model()
        username = options["username"]
        try:
            model.username_validator(username)
        except ValidationError as error:
            raise CommandError(f"username: {' '.join(error.messages)}") from None
        if model._default_manager.filter(username__iexact=username).exists():
            raise CommandError(f"there is already an account called {username}")
        for option in ("first_name", "last_name"):  # stripped, as the page's form does
            options[option] = options[option].strip()
            try:
                if options[option]:
                    validate_visible_name(options[option])
            except ValidationError as error:
                label = option.replace("_", "-")
                raise CommandError(f"--{label}: {' '.join(error.messages)}") from None

        user = model(
            username=username,
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
        )
        password = self._password(options["password_stdin"])
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(f"password: {' '.join(error.messages)}") from None

        with transaction.atomic():
            user.set_password(password)
            user.save()
            Account.objects.create(user=user, is_practice_admin=options["practice_admin"])
            log_event(action=Action.ACCOUNT_CREATED, obj=user)
        role = "practice administrator" if options["practice_admin"] else "therapist"
        self.stdout.write(
            f"Opened {role} account {username}; two-factor sign-in is set up at the first sign-in."
        )

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        try:
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt):
            raise CommandError("no password given") from None
        if first != second:
            raise CommandError("the two passwords differ")
        return first
