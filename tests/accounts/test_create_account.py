import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account
from accounts.testing import password_works

GOOD = "a-practice-password-2026"


def run(*args, password=GOOD):
    out = io.StringIO()
    import sys

    stdin, sys.stdin = sys.stdin, io.StringIO(password + "\n")
    try:
        call_command("create_account", *args, "--password-stdin", stdout=out)
    finally:
        sys.stdin = stdin
    return out.getvalue()


@pytest.mark.django_db
def test_opens_a_practice_administrator():
    output = run("office", "--first-name", "Office", "--practice-admin")
    assert "Opened practice administrator account office" in output
    assert Account.objects.get(user__username="office").is_practice_admin
    assert password_works("office", GOOD)


@pytest.mark.django_db
def test_opens_a_therapist():
    run("dana", "--first-name", "Dana")
    assert not Account.objects.get(user__username="dana").is_practice_admin


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (("dana", "--first-name", "D"), "short", "at least 12 characters"),
        (("dana", "--first-name", "D"), "password1234", "too common"),
        (("da na", "--first-name", "D"), GOOD, "username:"),
    ],
)
def test_refuses_with_one_line(args, password, message):
    with pytest.raises(CommandError, match=message):
        run(*args, password=password)


@pytest.mark.django_db
def test_refuses_a_taken_name():
    run("dana", "--first-name", "Dana")
    with pytest.raises(CommandError, match="already an account called Dana"):
        run("Dana", "--first-name", "Dana")
