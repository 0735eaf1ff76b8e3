"""django-axes keeps a keyed hash, never the typed username (issue 13): not in its tables, not
in its form-data copy, not in its log lines; and lockout by username and address still works.

People type passwords into the username box, or a client's name: such text must not reach the
database, its backups or the server log."""

import hashlib
import logging

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from accounts.lockout import username_digest
from accounts.testing import totp_device, unused_code
from tests.base import PASSWORD, make_therapist

LIMIT = 5
HERE = {"REMOTE_ADDR": "203.0.113.7"}
TYPED_PASSWORD = "Wintergarden-7731-Ψ"  # a password typed into the username box
CLIENT_NAME = "Quillfeather Ŋarvåsdóttir"  # a client's name typed there by mistake
TYPED = ("alice", TYPED_PASSWORD, CLIENT_NAME)
# The settings before this fix: axes' default username, and "username" not starred.
PLAIN = override_settings(
    AXES_USERNAME_CALLABLE=None, AXES_SENSITIVE_PARAMETERS=["password", "otp_token"]
)


def axes_rows() -> str:
    """Every row of every django-axes table, as the database holds it."""
    rows = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("axes").get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a model's own table name)
            rows.extend(cursor.fetchall())
    return repr(rows)


def typed_text_in(text: str) -> list[str]:
    return [typed for typed in TYPED if typed in text or typed.split()[0] in text]


def fail(client: Client, username: str, times: int = 1):
    response = None
    for attempt in range(times):
        response = client.post(
            reverse("login"), {"username": username, "password": f"wrong-{attempt}"}, **HERE
        )
    return response


@pytest.fixture
def alice(db):
    return make_therapist("alice")


def fail_each_way(client: Client) -> None:
    for typed in TYPED:
        fail(client, typed, 2)
    # A wrong code at the second step counts too, under the account's username.
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, **HERE)
    client.post(reverse("two_factor_verify"), {"otp_token": "000000"}, **HERE)


@override_settings(AXES_ENABLE_ACCESS_FAILURE_LOG=True)
def test_axes_tables_hold_digests_and_no_typed_username(alice, client):
    totp_device(alice)
    fail_each_way(client)

    stored = axes_rows()
    assert typed_text_in(stored) == []
    from axes.models import AccessAttempt, AccessFailureLog

    expected = {username_digest(typed) for typed in TYPED}
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == expected
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == expected
    # The form-data copy stars the username as it stars the password.
    assert "username=********************" in stored


@override_settings(AXES_ENABLE_ACCESS_FAILURE_LOG=True)
def test_negative_control_without_the_digest_the_scan_finds_the_typed_names(alice, client):
    with PLAIN:
        totp_device(alice)
        fail_each_way(client)
    assert typed_text_in(axes_rows()) == list(TYPED)


def test_the_digest_is_keyed_by_the_audit_key_not_the_secret_key(settings):
    plain = hashlib.sha256(b"alice").hexdigest()
    digest = username_digest("alice")
    assert len(digest) == 64 and digest != plain
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert username_digest("alice") == digest
    settings.AUDIT_HMAC_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="  # 32 bytes
    assert username_digest("alice") != digest


def test_a_password_typed_as_the_username_still_locks_that_name_at_that_address(alice, client):
    response = fail(client, TYPED_PASSWORD, LIMIT)
    assert response.status_code == 429
    assert fail(client, TYPED_PASSWORD).status_code == 429
    # Another name from the same address, and the same name elsewhere, are not locked.
    assert fail(client, "somebody-else").status_code == 200
    elsewhere = client.post(
        reverse("login"),
        {"username": TYPED_PASSWORD, "password": "x" * 12},
        REMOTE_ADDR="198.51.100.9",
    )
    assert elsewhere.status_code == 200


def test_the_account_is_locked_and_the_right_password_then_refused(alice, client):
    device = totp_device(alice)
    fail(client, "alice", LIMIT)
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, **HERE)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # A fresh browser elsewhere signs in with both factors.
    other = Client()
    where = {"REMOTE_ADDR": "198.51.100.9"}
    other.post(reverse("login"), {"username": "alice", "password": PASSWORD}, **where)
    done = other.post(reverse("two_factor_verify"), {"otp_token": unused_code(device)}, **where)
    assert done.status_code == 302 and done.url == reverse("dashboard")


def run_with_log(caplog, client: Client, alice) -> str:
    totp_device(alice)
    caplog.set_level(logging.DEBUG)
    fail_each_way(client)
    client.post(reverse("logout"))  # the half-signed-in session ends
    fail(client, TYPED_PASSWORD, LIMIT)  # a lockout, logged as a warning
    return "\n".join(record.getMessage() for record in caplog.records)


def test_the_log_holds_no_typed_username(alice, client, caplog):
    logged = run_with_log(caplog, client, alice)
    assert "AXES: Locking out" in logged  # axes did log, so the check below means something
    assert typed_text_in(logged) == []


def test_negative_control_axes_logs_typed_names_without_the_digest(alice, client, caplog):
    with PLAIN:
        logged = run_with_log(caplog, client, alice)
    assert TYPED_PASSWORD in logged
