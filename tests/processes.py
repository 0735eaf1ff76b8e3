"""The app started in a subprocess, from a copy of the settings code: what the settings, key and
production tests run (tests/config/test_settings.py explains why).

``config/settings.py`` reads ``BASE_DIR/.env``, and a developer checkout has one while a CI clone
does not. In the copy there is no ``.env`` unless a test writes one, and the subprocess
environment is built from scratch, so every variable is exactly what the test says. The other
apps are imported from the real checkout through PYTHONPATH.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST_KEYS = "1:dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="
TEST_AUDIT_KEY = "dGVzdC1vbmx5LWF1ZGl0LWtleS1ub3Qtc2VjcmV0ISE="

# The smallest environment that starts outside development (DJANGO_DEBUG unset).
PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-test-only-production-like-secret-key-0123456789",
    "DJANGO_ALLOWED_HOSTS": "notes.example.org",
    "FIELD_ENCRYPTION_KEYS": TEST_KEYS,
    "AUDIT_HMAC_KEY": TEST_AUDIT_KEY,
}

# Prints the settings that matter once django.setup() has succeeded.
SETUP_SCRIPT = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "dev_secret": s.SECRET_KEY.startswith("insecure-development-only"),
    "SECRET_KEY_LENGTH": len(s.SECRET_KEY),
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "FIELD_ENCRYPTION_KEYS_SET": bool(s.FIELD_ENCRYPTION_KEYS),
    "FIELD_ENCRYPTION_KEY_FILE": s.FIELD_ENCRYPTION_KEY_FILE,
    "BASE_DIR": str(s.BASE_DIR),
}))
"""


def copy_checkout(destination: Path) -> Path:
    """The settings code and manage.py copied to ``destination``, with no .env."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        REPO / "config", destination / "config", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy2(REPO / "manage.py", destination / "manage.py")
    (destination / "static").mkdir()  # STATICFILES_DIRS, so that `check` has nothing to say
    return destination


def run_python(checkout: Path, args: list[str], **variables: str) -> subprocess.CompletedProcess:
    """``python *args`` in ``checkout`` with only ``variables`` (and PATH, HOME, LANG) set."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(checkout),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def setup_django(checkout: Path, **variables: str) -> subprocess.CompletedProcess:
    """django.setup() with the settings of ``checkout``; prints SETUP_SCRIPT's JSON."""
    return run_python(checkout, ["-c", SETUP_SCRIPT], **variables)


def loaded(result: subprocess.CompletedProcess) -> dict:
    """The settings printed by a successful ``setup_django``."""
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def configuration_error(result: subprocess.CompletedProcess) -> str:
    """The ImproperlyConfigured message of a failed start."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if "ImproperlyConfigured" in line]
    assert lines, result.stderr
    return lines[-1]
