"""Production settings, loaded in a subprocess from an environment built from scratch (see
tests/processes.py for why the settings code is copied)."""

import json
import secrets

import pytest

from tests.processes import PRODUCTION, REPO, copy_checkout, run_python

# Serves the sign-in page over HTTPS through the real middleware; no database is touched.
REQUEST_SCRIPT = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.conf import settings as s
from django.test import Client, override_settings
# No collectstatic here: plain static URLs instead of the manifest.
override_settings(STORAGES={"staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
response = Client().get("/accounts/login/", secure=True, headers={"host": "notes.example.org"})
plain = Client().get("/accounts/login/", headers={"host": "notes.example.org"})
print(json.dumps({
    "status": response.status_code,
    "cookies": {name: dict(c.items()) for name, c in response.cookies.items()},
    "hsts": response.headers.get("Strict-Transport-Security"),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "SESSION_COOKIE_NAME": s.SESSION_COOKIE_NAME,
    "SESSION_COOKIE_AGE": s.SESSION_COOKIE_AGE,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
    "proxy_header": s.SECURE_PROXY_SSL_HEADER,
}))
"""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    checkout = copy_checkout(tmp_path_factory.mktemp("checkout"))
    (checkout / "templates").symlink_to(REPO / "templates")
    return checkout


def production(**overrides: str) -> dict[str, str]:
    # check --deploy wants 50+ characters with 5+ distinct ones.
    return {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **overrides}


def served(checkout, **overrides: str) -> dict:
    result = run_python(checkout, ["-c", REQUEST_SCRIPT], **production(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_at_warning_level(checkout):
    result = run_python(
        checkout, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_cookies_are_not_secure(checkout):
    # Negative control: the check above would notice a weakened configuration.
    result = run_python(
        checkout,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **production(DJANGO_SECURE_COOKIES="false"),
    )
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout


def test_cookies_are_host_prefixed_secure_and_httponly(checkout):
    seen = served(checkout)
    assert seen["status"] == 200
    csrf = seen["cookies"]["__Host-csrftoken"]
    assert csrf["secure"] is True
    assert csrf["path"] == "/"
    assert csrf["domain"] == ""
    # The session cookie is set at sign-in (needs a database): Django sets it from these.
    assert seen["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert seen["SESSION_COOKIE_SECURE"] is True
    assert seen["SESSION_COOKIE_HTTPONLY"] is True
    assert seen["SESSION_COOKIE_AGE"] == 12 * 60 * 60


def test_https_responses_carry_hsts_and_http_is_redirected(checkout):
    seen = served(checkout)
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["plain_status"] == 301
    assert seen["plain_location"] == "https://notes.example.org/accounts/login/"


def test_hsts_and_redirect_are_configurable_for_a_tls_proxy(checkout):
    seen = served(
        checkout,
        DJANGO_HSTS_SECONDS="600",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_HSTS_PRELOAD="false",
        DJANGO_SSL_REDIRECT="false",
        DJANGO_TRUST_X_FORWARDED_PROTO="true",
    )
    assert seen["hsts"] == "max-age=600"
    assert seen["plain_status"] == 200
    assert seen["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
