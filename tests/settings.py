"""Test settings: fixed test-only keys, a file-backed SQLite test database (so that tests can
scan the raw file for plaintext), and fast password hashing."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Test-only values; they protect nothing real. Set before the settings module reads them.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-for-the-test-suite-only")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["FIELD_ENCRYPTION_KEYS"] = (
    "1:dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="  # "test-only-key-1-test-only-key-1!"
)
os.environ.pop("FIELD_ENCRYPTION_KEY_FILE", None)
os.environ["AUDIT_HMAC_KEY"] = (
    "dGVzdC1vbmx5LWF1ZGl0LWtleS1ub3Qtc2VjcmV0ISE="  # "test-only-audit-key-not-secret!!"
)
os.environ.pop("AUDIT_HMAC_KEY_FILE", None)
os.environ["DJANGO_DEBUG"] = "false"
os.environ["DJANGO_SECURE_COOKIES"] = "false"

from config.settings import *  # noqa: F403
from config.settings import DATABASES

# Django's test runner flushes the database between transactional tests, audit log included.
AUDIT_ALLOW_PURGE = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No background thread loading a search index after each test's sign-in (tests/search test the
# warm-up itself, in the foreground).
SEARCH_WARM_UP = False
# Indexes prepared in the request: a thread's own connection would not see a test's data
# (tests/search/test_preparing_in_background.py covers the background path).
SEARCH_PREPARE_IN_BACKGROUND = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# One directory per process: each xdist worker (and each subprocess a test starts) has its own,
# removed when the process ends. A TEST_DB_DIR given in the environment is the caller's to keep.
TEST_DB_DIR = Path(os.environ.get("TEST_DB_DIR") or tempfile.mkdtemp(prefix="therapy-notes-"))
if not os.environ.get("TEST_DB_DIR"):
    atexit.register(shutil.rmtree, TEST_DB_DIR, ignore_errors=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `manage.py check` and `makemigrations --check` under these settings open the default
    # database: keep it in the temp dir too, so `make test` never leaves an empty db.sqlite3
    # in the checkout (which `make run` would then refuse to key). A DATABASE_URL given in
    # the environment (a test running manage.py against its own file) is kept.
    if not os.environ.get("DATABASE_URL"):
        DATABASES["default"]["NAME"] = str(TEST_DB_DIR / "app.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_DB_DIR / "test.sqlite3")}

# An existing (empty) static root keeps WhiteNoise from warning in every test.
STATIC_ROOT = TEST_DB_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
