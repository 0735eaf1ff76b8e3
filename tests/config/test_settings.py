"""Settings read from the environment (config/settings.py, config/env.py).

Settings are imported in subprocesses, from a copy of the ``config`` package in a temporary
directory (tests/processes.py): ``config/settings.py`` reads ``BASE_DIR/.env``, and a developer
checkout has one while a CI clone does not. In the copy there is no ``.env`` unless a test writes
one, and the subprocess environment is built from scratch, so every variable is exactly what the
test says.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

import config.settings
from config.env import Environment, read_dotenv
from tests.processes import (
    PRODUCTION,
    TEST_AUDIT_KEY,
    TEST_KEYS,
    configuration_error,
    copy_checkout,
    loaded,
    run_python,
    setup_django,
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the settings code with no .env (shared: tests must not write into it)."""
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


# --- outside development (DJANGO_DEBUG unset) ----------------------------------------------------


def test_production_like_environment_starts_with_debug_off(checkout):
    settings_seen = loaded(setup_django(checkout, **PRODUCTION))

    assert settings_seen["DEBUG"] is False
    assert settings_seen["dev_secret"] is False
    assert settings_seen["ALLOWED_HOSTS"] == ["notes.example.org"]
    assert settings_seen["BASE_DIR"] == str(checkout)  # the copy, not the real checkout


def test_missing_secret_key_names_django_secret_key(checkout):
    variables = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    message = configuration_error(setup_django(checkout, **variables))

    assert "DJANGO_SECRET_KEY must be set" in message


def test_an_empty_secret_key_counts_as_missing(checkout):
    message = configuration_error(setup_django(checkout, **{**PRODUCTION, "DJANGO_SECRET_KEY": ""}))

    assert "DJANGO_SECRET_KEY" in message


def test_missing_allowed_hosts_names_django_allowed_hosts(checkout):
    variables = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ALLOWED_HOSTS"}

    message = configuration_error(setup_django(checkout, **variables))

    assert "DJANGO_ALLOWED_HOSTS must be set" in message


def test_allowed_hosts_of_only_commas_counts_as_missing(checkout):
    result = setup_django(checkout, **{**PRODUCTION, "DJANGO_ALLOWED_HOSTS": " , ,"})

    assert "DJANGO_ALLOWED_HOSTS" in configuration_error(result)


def test_missing_encryption_keys_names_both_key_settings(checkout):
    variables = {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEYS"}

    message = configuration_error(setup_django(checkout, **variables))

    assert "FIELD_ENCRYPTION_KEYS" in message
    assert "FIELD_ENCRYPTION_KEY_FILE" in message


def test_a_key_file_setting_alone_is_accepted(checkout, tmp_path):
    key_file = tmp_path / "field.keys"
    key_file.write_text(TEST_KEYS + "\n", encoding="ascii")
    key_file.chmod(0o600)  # a key file other users can read is refused
    variables = {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEYS"}

    settings_seen = loaded(
        setup_django(checkout, **variables, FIELD_ENCRYPTION_KEY_FILE=str(key_file))
    )

    assert settings_seen["FIELD_ENCRYPTION_KEY_FILE"] == str(key_file)
    assert settings_seen["FIELD_ENCRYPTION_KEYS_SET"] is False


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_malformed_debug_value_names_django_debug(checkout, value):
    message = configuration_error(setup_django(checkout, **PRODUCTION, DJANGO_DEBUG=value))

    assert "DJANGO_DEBUG must be true or false" in message
    assert repr(value) in message


# --- development (DJANGO_DEBUG=true) ---------------------------------------------------------


def test_development_falls_back_for_secret_key_and_hosts(checkout):
    settings_seen = loaded(
        setup_django(
            checkout,
            DJANGO_DEBUG="true",
            FIELD_ENCRYPTION_KEYS=TEST_KEYS,
            AUDIT_HMAC_KEY=TEST_AUDIT_KEY,
        )
    )

    assert settings_seen["DEBUG"] is True
    assert settings_seen["dev_secret"] is True
    assert settings_seen["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]


def test_development_still_requires_encryption_keys(checkout):
    message = configuration_error(setup_django(checkout, DJANGO_DEBUG="true"))

    assert "FIELD_ENCRYPTION_KEYS" in message
    assert "FIELD_ENCRYPTION_KEY_FILE" in message


# --- manage.py ------------------------------------------------------------------------------


def test_manage_py_check_reports_a_missing_secret_key_in_one_line(checkout):
    variables = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    result = run_python(checkout, ["manage.py", "check"], **variables)

    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "Configuration error: DJANGO_SECRET_KEY must be set (outside development; see "
        ".env.example)."
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_without_manage_py_the_same_error_is_a_traceback(checkout):
    # Control: the one-line message is manage.py's doing, not Django's.
    variables = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    result = setup_django(checkout, **variables)

    assert "Traceback" in result.stderr


def test_manage_py_check_reports_missing_keys_in_one_line(checkout):
    result = run_python(checkout, ["manage.py", "check"], DJANGO_DEBUG="true")

    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("Configuration error: FIELD_ENCRYPTION_KEYS")


def test_manage_py_check_reports_a_malformed_keyring_as_encryption_e001(checkout):
    result = run_python(
        checkout, ["manage.py", "check"], **{**PRODUCTION, "FIELD_ENCRYPTION_KEYS": "1:abc"}
    )

    assert result.returncode != 0
    assert "encryption.E001" in result.stderr
    assert "FIELD_ENCRYPTION_KEYS: key id 1" in result.stderr


def test_manage_py_check_passes_with_a_complete_environment(checkout):
    # Control for the failing checks above.
    result = run_python(checkout, ["manage.py", "check"], **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# --- .env ------------------------------------------------------------------------------------


@pytest.fixture
def checkout_with_dotenv(tmp_path) -> Path:
    copy = copy_checkout(tmp_path / "checkout")
    (copy / ".env").write_text(
        "# development settings\n"
        "DJANGO_DEBUG=false\n"
        "DJANGO_SECRET_KEY='from-dotenv-secret-key-for-tests-0123456789'\n"
        'DJANGO_ALLOWED_HOSTS="dotenv.example.org"\n'
        f"FIELD_ENCRYPTION_KEYS={TEST_KEYS}\n"
        f"AUDIT_HMAC_KEY={TEST_AUDIT_KEY}\n",
        encoding="utf-8",
    )
    return copy


def test_settings_are_read_from_dotenv(checkout_with_dotenv):
    settings_seen = loaded(setup_django(checkout_with_dotenv))

    assert settings_seen["ALLOWED_HOSTS"] == ["dotenv.example.org"]
    assert settings_seen["SECRET_KEY_LENGTH"] == len("from-dotenv-secret-key-for-tests-0123456789")


def test_a_real_environment_variable_overrides_dotenv(checkout_with_dotenv):
    result = setup_django(checkout_with_dotenv, DJANGO_ALLOWED_HOSTS="real.example.org")

    assert loaded(result)["ALLOWED_HOSTS"] == ["real.example.org"]


def test_an_empty_real_environment_variable_overrides_dotenv_as_missing(checkout_with_dotenv):
    result = setup_django(checkout_with_dotenv, DJANGO_SECRET_KEY="")

    assert "DJANGO_SECRET_KEY must be set" in configuration_error(result)


def test_a_malformed_dotenv_names_file_and_line(checkout_with_dotenv):
    dotenv = checkout_with_dotenv / ".env"
    dotenv.write_text(dotenv.read_text(encoding="utf-8") + "this line is wrong\n", encoding="utf-8")

    message = configuration_error(setup_django(checkout_with_dotenv))

    assert f"{dotenv}:7 is not a KEY=VALUE line" in message


# --- config.env, in process -------------------------------------------------------------------


def test_read_dotenv_skips_comments_and_blank_lines_and_removes_quotes(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# a comment\n"
        "\n"
        "   # an indented comment\n"
        "PLAIN=value\n"
        "  SPACED  =  padded value  \n"
        'DOUBLE="double quoted # not a comment"\n'
        "SINGLE='single quoted'\n"
        "MISMATCHED=\"left only'\n"
        "EQUALS=a=b=c\n"
        "EMPTY=\n"
        'EMPTY_QUOTES=""\n'
        "UNICODE=Zoë\n",
        encoding="utf-8",
    )

    assert read_dotenv(dotenv) == {
        "PLAIN": "value",
        "SPACED": "padded value",
        "DOUBLE": "double quoted # not a comment",
        "SINGLE": "single quoted",
        "MISMATCHED": "\"left only'",
        "EQUALS": "a=b=c",
        "EMPTY": "",
        "EMPTY_QUOTES": "",
        "UNICODE": "Zoë",
    }


@pytest.mark.parametrize(
    ("line", "number"),
    [("NO_EQUALS_SIGN", 3), ("1BAD=value", 3), ("=value", 3), ("export NAME=value", 3)],
)
def test_read_dotenv_names_file_and_line_of_a_malformed_line(tmp_path, line, number):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"# header\nGOOD=1\n{line}\nALSO_GOOD=2\n", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured) as caught:
        read_dotenv(dotenv)

    assert str(caught.value) == f"{dotenv}:{number} is not a KEY=VALUE line."


def test_read_dotenv_of_a_missing_file_is_empty(tmp_path):
    assert read_dotenv(tmp_path / "absent.env") == {}


def test_environment_prefers_a_real_variable_to_dotenv(monkeypatch):
    env = Environment({"TN_TEST_VALUE": "from-dotenv"})

    monkeypatch.delenv("TN_TEST_VALUE", raising=False)
    assert env.get("TN_TEST_VALUE") == "from-dotenv"

    monkeypatch.setenv("TN_TEST_VALUE", "from-environment")
    assert env.get("TN_TEST_VALUE") == "from-environment"

    monkeypatch.setenv("TN_TEST_VALUE", "")
    assert env.get("TN_TEST_VALUE") == ""


def test_environment_default_applies_only_when_unset_everywhere(monkeypatch):
    monkeypatch.delenv("TN_TEST_ABSENT", raising=False)

    assert Environment({}).get("TN_TEST_ABSENT", "fallback") == "fallback"
    assert Environment({"TN_TEST_ABSENT": ""}).get("TN_TEST_ABSENT", "fallback") == ""


def test_environment_required_treats_empty_as_missing(monkeypatch):
    monkeypatch.setenv("TN_TEST_SECRET", "")
    env = Environment({})

    with pytest.raises(ImproperlyConfigured, match="TN_TEST_SECRET must be set"):
        env.required("TN_TEST_SECRET", "dev-default", development=False)
    assert env.required("TN_TEST_SECRET", "dev-default", development=True) == "dev-default"
    with pytest.raises(ImproperlyConfigured, match="TN_TEST_SECRET"):
        env.required("TN_TEST_SECRET", None, development=True)

    monkeypatch.setenv("TN_TEST_SECRET", "real")
    assert env.required("TN_TEST_SECRET", "dev-default", development=False) == "real"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" TRUE ", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_environment_boolean_accepts_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("TN_TEST_FLAG", value)

    assert Environment({}).boolean("TN_TEST_FLAG", default=not expected) is expected


def test_environment_boolean_refuses_anything_else_naming_the_variable(monkeypatch):
    monkeypatch.setenv("TN_TEST_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="TN_TEST_FLAG must be true or false"):
        Environment({}).boolean("TN_TEST_FLAG")


def test_environment_integer_and_strings(monkeypatch):
    monkeypatch.delenv("TN_TEST_NUMBER", raising=False)
    env = Environment({"TN_TEST_LIST": " a, b ,,c ", "TN_TEST_NUMBER": " "})

    assert env.integer("TN_TEST_NUMBER", 7) == 7
    assert env.strings("TN_TEST_LIST") == ["a", "b", "c"]
    assert env.strings("TN_TEST_MISSING_LIST", ["x"]) == ["x"]
    monkeypatch.setenv("TN_TEST_NUMBER", "12")
    assert env.integer("TN_TEST_NUMBER", 7) == 12
    monkeypatch.setenv("TN_TEST_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="TN_TEST_NUMBER must be a whole number"):
        env.integer("TN_TEST_NUMBER", 7)


# --- database and password hashing -------------------------------------------------------------


def test_sqlite_is_configured_for_wal_a_busy_timeout_and_immediate_transactions():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        assert database["CONN_HEALTH_CHECKS"] is True
        pytest.skip("SQLite options only apply to SQLite.")

    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
    assert database["CONN_MAX_AGE"] == 0


@pytest.mark.django_db
def test_the_live_sqlite_connection_is_in_wal_mode_with_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip(f"PRAGMA checks apply to SQLite, not {connection.vendor}.")

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        busy_timeout_ms = cursor.fetchone()[0]
        cursor.execute("PRAGMA foreign_keys")
        foreign_keys = cursor.fetchone()[0]

    assert journal_mode.lower() == "wal"
    assert busy_timeout_ms == settings.DATABASES["default"]["OPTIONS"]["timeout"] * 1000
    assert foreign_keys == 1
    assert connection.transaction_mode == "IMMEDIATE"


def test_argon2_is_the_first_password_hasher_in_production_settings():
    # tests/settings.py swaps in a fast hasher, so read the production module directly.
    assert config.settings.PASSWORD_HASHERS[0] == "accounts.hashers.BoundedArgon2PasswordHasher"
    assert settings.PASSWORD_HASHERS != config.settings.PASSWORD_HASHERS


def test_argon2_is_installed_and_hashes():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("a-long-test-password-2026", hasher.salt())

    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("a-long-test-password-2026", encoded)
    assert not hasher.verify("a-wrong-password", encoded)
