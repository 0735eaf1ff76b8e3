"""Settings for Therapy Notes, read from the environment (and a git-ignored .env).

Every variable is listed, with its meaning, in .env.example.
"""

import datetime
import ipaddress
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import Environment, read_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
env = Environment(read_dotenv(BASE_DIR / ".env"))

DEBUG = env.boolean("DJANGO_DEBUG", False)

SECRET_KEY = env.required(
    "DJANGO_SECRET_KEY", "insecure-development-only-secret-key-never-use-in-production", DEBUG
)
ALLOWED_HOSTS = env.strings("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set (outside development).")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env.strings("DJANGO_CSRF_TRUSTED_ORIGINS")

# Field encryption keys: never derived from SECRET_KEY. One of the two must be set.
FIELD_ENCRYPTION_KEYS = env.get("FIELD_ENCRYPTION_KEYS", "")
FIELD_ENCRYPTION_KEY_FILE = env.get("FIELD_ENCRYPTION_KEY_FILE", "")
if not (FIELD_ENCRYPTION_KEYS or FIELD_ENCRYPTION_KEY_FILE):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS or FIELD_ENCRYPTION_KEY_FILE must be set "
        "(run `make run` once for a development key file)."
    )

# Audit-log chain key (HMAC): its own key, never derived from SECRET_KEY or the field keys.
AUDIT_HMAC_KEY = env.get("AUDIT_HMAC_KEY", "")
AUDIT_HMAC_KEY_FILE = env.get("AUDIT_HMAC_KEY_FILE", "")
if not (AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE):
    raise ImproperlyConfigured(
        "AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE must be set "
        "(run `make run` once for a development key file)."
    )
# Lets `flush` empty the append-only audit table. Only tests/settings.py turns it on.
AUDIT_ALLOW_PURGE = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "accounts",
    "encryption",
    "integrity",
    "themes",
    "clients",
    "appointments",
    "sessions.apps.TherapySessionsConfig",
    "writing",
    "measures",
    "plans",
    "summaries",
    "search",
    "audit",
    "backups",
    "demo",
]

MIDDLEWARE = [
    "config.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A form body in any charset but UTF-8: the 400 page before CSRF, sign-in or a view reads
    # it (config/middleware.py).
    "config.middleware.FormCharsetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A session form posted with too many fields keeps its note text: the post is read here,
    # before the CSRF check (a process_view, run after every middleware) would refuse it.
    "sessions.middleware.KeepNoteTextMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, absolute lifetime, "sign out everywhere", the 2FA step and the practice
    # administrator's limits: after OTPMiddleware (is_verified) and messages.
    "accounts.middleware.AccountSecurityMiddleware",
    # Hand-over mode (the client answers a questionnaire on the therapist's device): every
    # address but the questionnaire's and the locked screen's refused (measures/handover.py).
    "measures.handover.HandOverMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.NoStoreMiddleware",
    # A tampered or unreadable encrypted value: a clear page and an audit entry, not a 500.
    "encryption.middleware.UnreadableRecordMiddleware",
    # Answers a locked-out sign-in attempt (django-axes); last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.account",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # concurrent writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            # Erased records must not linger in free pages of the file.
            "PRAGMA secure_delete=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts -------------------------------------------------------------------------------
# Argon2id at the OWASP minimum (46 MiB, t=1, p=1) instead of Django's 100 MiB, t=2, p=8; its
# algorithm name is "argon2", so it also verifies the older hashes and replaces each at the next
# sign-in. Django's own Argon2PasswordHasher must not be listed too: the last hasher of a name
# verifies that name's hashes.
PASSWORD_HASHERS = [
    "accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Password hashes (sign-in, password change) run at most this many at a time per process, the
# others wait their turn: hashing holds at most this x 46 MiB per worker (x 100 MiB while an
# old hash is checked). 2 suits 1-2 cores; more than the cores only adds memory, not speed.
PASSWORD_HASH_CONCURRENCY = env.integer("PASSWORD_HASH_CONCURRENCY", 2)
if PASSWORD_HASH_CONCURRENCY < 1:
    raise ImproperlyConfigured("PASSWORD_HASH_CONCURRENCY must be 1 or more.")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (the page warns a minute
# before and saves any open draft) and SESSION_ABSOLUTE_LIFETIME seconds after sign-in.
SESSION_IDLE_TIMEOUT = env.integer("SESSION_IDLE_TIMEOUT", 15 * 60)
SESSION_ABSOLUTE_LIFETIME = env.integer("SESSION_ABSOLUTE_LIFETIME", 12 * 60 * 60)
if not 120 <= SESSION_IDLE_TIMEOUT <= SESSION_ABSOLUTE_LIFETIME:
    raise ImproperlyConfigured(
        "SESSION_IDLE_TIMEOUT must be at least 120 seconds and at most SESSION_ABSOLUTE_LIFETIME."
    )
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The autosave script reads the CSRF cookie so that it can keep saving after the therapist
# signs in again in another tab (which rotates the token). Django's docs: HttpOnly on this
# cookie adds no practical protection (the token is in every form anyway).
CSRF_COOKIE_HTTPONLY = False

# Brute-force protection (django-axes): a username is locked out from one IP address only, so
# that a stranger guessing elsewhere cannot lock a therapist out, and only for a while.
# Failures of the password step and of the one-time-code step both count.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# A keyed hash stands for the typed username in axes' rows (often a password in the wrong box,
# or a client's name); "username" is also starred in the stored form data and log lines.
AXES_USERNAME_CALLABLE = "accounts.lockout.stored_username"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "username"]
# The audit log records failures and lockouts; axes' own access log would be a second copy
# of every sign-in with the browser's user agent.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# TOTP (django-otp): the issuer shown in authenticator apps; one time step either side.
OTP_TOTP_ISSUER = env.get("OTP_TOTP_ISSUER", "Therapy Notes")
OTP_TOTP_TOLERANCE = 1

# --- transport and browser security (docs/SECURITY.md) ---------------------------------------
# One switch for "served over HTTPS": on unless DEBUG. It also defaults the redirect and HSTS.
SECURE_COOKIES = env.boolean("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    # Browsers accept a __Host- cookie only if it is Secure, Path=/ and has no Domain, so no
    # sibling subdomain can plant or overwrite it. The autosave script is told the CSRF
    # cookie's name through data-csrf-cookie, rendered from this setting.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = env.boolean("DJANGO_SSL_REDIRECT", SECURE_COOKIES)
# Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated IPs, e.g.
# 127.0.0.1 for nginx on the same host). Empty: REMOTE_ADDR is the client (no proxy).
TRUSTED_PROXIES = env.strings("DJANGO_TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_address(_proxy)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXIES: {_proxy!r} is not an IP address."
        ) from None
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env.boolean("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 31_536_000 if SECURE_COOKIES else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload token only consents to listing; the domain is listed once submitted to
# hstspreload.org. Turning it off makes `check --deploy` warn (security.W021).
SECURE_HSTS_PRELOAD = env.boolean("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Scripts and styles come from static files only: no inline code, no eval. Bootstrap's CSS
# draws its icons (select arrows, toggler, validation marks) from data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# --- product settings -----------------------------------------------------------------------
NOTE_MAX_CHARS = env.integer("NOTE_MAX_CHARS", 100_000)
# Unsigned notes older than this many days are flagged on the dashboard.
DRAFT_OVERDUE_DAYS = env.integer("DRAFT_OVERDUE_DAYS", 3)
# Paper size of case summary PDFs: "A4" or "LETTER" (US Letter).
SUMMARY_PAGE_SIZE = (env.get("SUMMARY_PAGE_SIZE") or "A4").upper()
if SUMMARY_PAGE_SIZE not in {"A4", "LETTER"}:
    raise ImproperlyConfigured("SUMMARY_PAGE_SIZE must be A4 or LETTER.")
# The practice's name, printed on the cover of case summaries; empty: none.
PRACTICE_NAME = " ".join((env.get("PRACTICE_NAME") or "").split())
# A case summary of more sessions than this is built outside the request (summaries/jobs.py).
SUMMARY_BACKGROUND_OVER = env.integer("SUMMARY_BACKGROUND_OVER", 300)
# A directory of the practice's own questionnaires (TOML, docs/measures.md); empty: none.
MEASURES_EXTRA_DIR = env.get("MEASURES_EXTRA_DIR") or ""
# One-time questionnaire links for clients (/q/<token>/, measures/link_views.py): off unless set.
MEASURES_CLIENT_LINKS = env.boolean("MEASURES_CLIENT_LINKS", False)
# Search (docs/search.md): the memory the in-memory indexes of one process may take together
# (least recently used evicted beyond it); how long a preparation waits for another process that
# is building the same therapist's index; whether signing in loads the index in the background;
# whether loading and building run in the background (off: in the request, as in the tests) and
# how long a search waits for them before it answers "being prepared".
SEARCH_INDEX_MEMORY_MB = env.integer("SEARCH_INDEX_MEMORY_MB", 112)
SEARCH_BUILD_WAIT_SECONDS = env.integer("SEARCH_BUILD_WAIT_SECONDS", 30)
SEARCH_WARM_UP = env.boolean("SEARCH_WARM_UP", True)
SEARCH_PREPARE_IN_BACKGROUND = env.boolean("SEARCH_PREPARE_IN_BACKGROUND", True)
SEARCH_PREPARE_WAIT_MS = env.integer("SEARCH_PREPARE_WAIT_MS", 500)

# --- internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y"]

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Serialisers that refuse encrypted fields (dumpdata must never write plaintext client data).
SERIALIZATION_MODULES = {
    fmt: f"encryption.serializers.{fmt}" for fmt in ("json", "jsonl", "python", "xml")
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Logs never carry request bodies or query strings: django.request logs "<reason>: <path>"
# (plus a traceback on errors, without local variables). Error e-mails (mail_admins) are off:
# ADMINS is empty. Should they be turned on, SafeExceptionReporterFilter hides the POST values
# and local variables of the views marked sensitive_post_parameters / sensitive_variables.
# The calendar feed's secret never reaches a log (config/log_filters.py): filtered where the
# records that name a request's path are made, and again by the handlers.
_HIDE_FEED_SECRET = ["hide_feed_secret"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"hide_feed_secret": {"()": "config.log_filters.HideFeedSecret"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": _HIDE_FEED_SECRET},
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": _HIDE_FEED_SECRET,
        },
    },
    "loggers": {
        **{
            name: {"filters": _HIDE_FEED_SECRET}
            for name in ("django.request", "django.security.csrf", "encryption.integrity")
        },
        # Search index builds and snapshot loads: a therapist's id, a count, a time; no content.
        "search.index": {"level": "INFO"},
        # runserver's request lines: Django's default logging config gave this logger a handler
        # of its own, which the handler above does not replace: name it here, filtered.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": _HIDE_FEED_SECRET,
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
