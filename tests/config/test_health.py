"""GET /healthz: anonymous, JSON, 200 when the database, its migrations and the keys are fine,
503 otherwise; never client data, never a cookie, never an audit entry."""

import json
import os
import time
from unittest import mock

from django.conf import settings
from django.db import OperationalError, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import policy
from accounts.models import Account
from audit.models import AuditEvent
from tests.base import ALICE_CANARY_NAME, ALICE_CANARY_NOTE, PersonaTestCase
from tests.processes import PRODUCTION, copy_checkout, run_python

HEALTHY = {"status": "ok", "database": "ok", "migrations": "ok", "keys": "ok"}
# Asks for /healthz over HTTPS through the real middleware, with the production settings.
REQUEST_SCRIPT = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True, headers={"host": "notes.example.org"})
print(json.dumps({
    "status": response.status_code,
    "body": response.content.decode(),
    "cookies": sorted(response.cookies),
}))
"""
CANARIES = [ALICE_CANARY_NAME, ALICE_CANARY_NOTE, "Quillfeather", "zebrafinch", "каракатица"]


def _canaries_in(text: str) -> list[str]:
    folded = text.casefold()
    return [canary for canary in CANARIES if canary.casefold() in folded]


class HealthTests(PersonaTestCase):
    def get(self, **extra):
        return self.client.get("/healthz", **extra)

    def assertUnhealthy(self, response, **failed):
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {**HEALTHY, "status": "error", **failed})

    def test_all_fine_is_200_with_every_check_ok(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), HEALTHY)
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_head_is_answered_and_post_is_refused(self):
        self.assertEqual(self.client.head("/healthz").status_code, 200)
        self.assertEqual(self.client.post("/healthz").status_code, 405)

    def test_a_broken_database_connection_is_503(self):
        def refuse(*args, **kwargs):
            raise OperationalError('connection to server at "db.internal" failed')

        with mock.patch.object(connections["default"], "cursor", side_effect=refuse):
            response = self.get()
        # Without a database the migrations cannot be checked either.
        self.assertUnhealthy(response, database="error", migrations="error")
        self.assertNotIn(b"db.internal", response.content)

    def test_an_unapplied_migration_is_503(self):
        self.assertEqual(self.get().status_code, 200)  # control: all applied
        leaf = next(
            node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "clients"
        )
        MigrationRecorder(connection).record_unapplied(*leaf)  # rolled back after the test
        response = self.get()
        self.assertUnhealthy(response, migrations="error")
        self.assertNotIn(leaf[1].encode(), response.content)

    def test_no_field_encryption_key_is_503(self):
        with override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=""):
            self.assertUnhealthy(self.get(), keys="error")

    def test_a_key_file_gone_or_opened_to_others_is_503_and_the_path_is_not_shown(self):
        key_file = settings_dir() / "field-encryption.keys"
        key_file.write_text(os.environ["FIELD_ENCRYPTION_KEYS"] + "\n", encoding="ascii")
        key_file.chmod(0o600)
        with override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(key_file)):
            self.assertEqual(self.get().status_code, 200)  # control: the file is fine
            key_file.chmod(0o644)
            response = self.get()
            self.assertUnhealthy(response, keys="error")
            self.assertNotIn(str(key_file).encode(), response.content)
            key_file.unlink()
            self.assertUnhealthy(self.get(), keys="error")

    def test_no_audit_key_is_503(self):
        with override_settings(AUDIT_HMAC_KEY="", AUDIT_HMAC_KEY_FILE=""):
            self.assertUnhealthy(self.get(), keys="error")

    def test_the_body_holds_no_client_data_even_for_the_signed_in_owner(self):
        self.sign_in(self.alice)
        # Negative control: the same scan finds alice's client on a page that shows it.
        page = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertIn(ALICE_CANARY_NAME, _canaries_in(page.content.decode()))

        response = self.get()
        self.assertEqual(response.json(), HEALTHY)
        self.assertEqual(_canaries_in(response.content.decode()), [])

    def test_no_cookie_is_set_and_nothing_is_audited(self):
        before = AuditEvent.objects.count()
        anonymous = self.get()
        self.assertEqual(anonymous.cookies, {})
        self.assertNotIn("Set-Cookie", anonymous.headers)

        self.assertEqual(AuditEvent.objects.count(), before)

        self.sign_in(self.alice)  # audited: a sign-in
        before = AuditEvent.objects.count()
        # Last activity long enough ago that any other page would record new activity.
        session = self.client.session
        last_seen = session[policy.LAST_SEEN] = time.time() - policy.idle_timeout() / 2
        session.save()
        signed_in = self.get()
        self.assertEqual(signed_in.status_code, 200)
        # The idle clock is not touched, so the session is not saved again.
        self.assertEqual(signed_in.cookies, {})
        self.assertEqual(self.client.session[policy.LAST_SEEN], last_seen)
        self.assertEqual(AuditEvent.objects.count(), before)
        # Control: a page records the activity and sends the session cookie again.
        self.assertIn(settings.SESSION_COOKIE_NAME, self.client.get(reverse("dashboard")).cookies)
        self.assertGreater(self.client.session[policy.LAST_SEEN], last_seen)

    def test_a_practice_administrator_gets_it_too(self):
        account = Account.for_user(self.bob)
        account.is_practice_admin = True
        account.save()
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 403)  # control
        self.assertEqual(self.get().json(), HEALTHY)

    def test_a_user_between_password_and_code_gets_it_too(self):
        # Signed in with the password only: the account middleware sends every other page to
        # the second step, but not this one.
        self.client.force_login(self.bob)
        self.assertRedirects(
            self.client.get(reverse("dashboard")),
            reverse("two_factor_setup") + "?next=" + reverse("dashboard"),
            fetch_redirect_response=False,
        )
        self.assertEqual(self.get().json(), HEALTHY)

    def test_reachable_anonymously_while_every_other_page_redirects_to_sign_in(self):
        login = reverse("login")
        public = {"/healthz", login}
        seen = set()
        for path in _paths_without_parameters():
            if path.startswith("/admin/"):
                continue  # Django's admin has its own sign-in page
            seen.add(path)
            response = self.client.get(path)
            with self.subTest(path=path):
                if path in public:
                    self.assertEqual(response.status_code, 200)
                else:
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(response["Location"].startswith(login + "?next="))
        self.assertIn("/healthz", seen)
        self.assertIn(reverse("dashboard"), seen)
        self.assertIn(reverse("client_list"), seen)


def settings_dir():
    return settings.TEST_DB_DIR


def _paths_without_parameters(patterns=None, prefix="/"):
    """Every route, named or not, whose path has no converter or regex."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = str(entry.pattern)
        if "<" in route or "(" in route or "^" in route:
            continue
        if isinstance(entry, URLResolver):
            yield from _paths_without_parameters(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def test_a_database_that_refuses_connections_is_503(tmp_path):
    """A real refused connection (PostgreSQL on a closed port), in production settings."""
    checkout = copy_checkout(tmp_path / "checkout")
    result = run_python(
        checkout,
        ["-c", REQUEST_SCRIPT],
        **PRODUCTION,
        DATABASE_URL="postgres://postgres@127.0.0.1:9/therapy_notes_absent",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 503
    assert json.loads(seen["body"]) == {
        "status": "error",
        "database": "error",
        "migrations": "error",
        "keys": "ok",
    }
    assert seen["cookies"] == []
