"""The app refuses to start with a bad field-encryption key: missing, malformed, too short, in a
key file other users can read, a published example key, or an obviously non-random key. Each
refusal has its control (the same set-up with a good key starts)."""

import base64
import re
import secrets
from pathlib import Path

import pytest
from django.test import override_settings

from encryption import checks
from encryption.errors import KeyConfigurationError
from encryption.keys import (
    KNOWN_EXAMPLE_KEYS,
    generate_key_line,
    load_keyring_from_settings,
    reset_keyring,
    write_key_file,
)
from tests.processes import (
    PRODUCTION,
    REPO,
    TEST_KEYS,
    copy_checkout,
    run_python,
    setup_django,
)

DOCS_KEY = re.compile(r"\b\d+:([A-Za-z0-9+/]{43}=)")


def load(**overrides):
    overrides.setdefault("FIELD_ENCRYPTION_KEYS", "")
    overrides.setdefault("FIELD_ENCRYPTION_KEY_FILE", "")
    with override_settings(**overrides):
        reset_keyring()
        try:
            return load_keyring_from_settings()
        finally:
            reset_keyring()


def key_file(tmp_path: Path, mode: int, text: str | None = None) -> Path:
    path = tmp_path / "field.keys"
    path.write_text((text or generate_key_line(1)) + "\n", encoding="ascii")
    path.chmod(mode)
    return path


# --- key files other users can read ----------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660, 0o666])
def test_a_key_file_other_users_can_access_is_refused(tmp_path, mode):
    path = key_file(tmp_path, mode)

    with pytest.raises(KeyConfigurationError) as caught:
        load(FIELD_ENCRYPTION_KEY_FILE=str(path))

    message = str(caught.value)
    assert str(path) in message and f"chmod 600 {path}" in message
    assert f"{mode:04o}" in message
    assert "\n" not in message


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_key_file_only_its_owner_can_read_is_accepted(tmp_path, mode):
    # Control for the refusal above: same file, owner-only mode.
    path = key_file(tmp_path, mode)

    assert load(FIELD_ENCRYPTION_KEY_FILE=str(path)).primary_id == 1


def test_the_development_key_file_passes_the_mode_check(tmp_path):
    path = tmp_path / "dev" / "field.keys"
    write_key_file(path)

    assert load(FIELD_ENCRYPTION_KEY_FILE=str(path)).primary_id == 1


# --- example and non-random keys --------------------------------------------------------------


def test_every_key_shown_in_docs_keys_md_is_refused():
    shown = DOCS_KEY.findall((REPO / "docs" / "keys.md").read_text(encoding="utf-8"))

    assert shown, "docs/keys.md shows no example key: this test would prove nothing"
    for text in shown:
        assert base64.b64decode(text) in KNOWN_EXAMPLE_KEYS
        with pytest.raises(KeyConfigurationError, match="published example key"):
            load(FIELD_ENCRYPTION_KEYS=f"7:{text}")


@pytest.mark.parametrize("key", sorted(KNOWN_EXAMPLE_KEYS))
def test_an_example_key_is_refused_even_as_an_old_key(key):
    keyring = f"{generate_key_line(2)},1:{base64.b64encode(key).decode()}"

    with pytest.raises(KeyConfigurationError, match="key id 1 is a published example key"):
        load(FIELD_ENCRYPTION_KEYS=keyring)


def test_an_example_key_in_a_key_file_is_refused(tmp_path):
    example = base64.b64encode(sorted(KNOWN_EXAMPLE_KEYS)[-1]).decode()
    path = key_file(tmp_path, 0o600, f"1:{example}")

    with pytest.raises(KeyConfigurationError, match=f"FIELD_ENCRYPTION_KEY_FILE {path}"):
        load(FIELD_ENCRYPTION_KEY_FILE=str(path))


@pytest.mark.parametrize("key", [b"\xa5" * 32, b"abcd" * 8, b"0123456" * 4 + b"0123"])
def test_an_obviously_non_random_key_is_refused(key):
    with pytest.raises(KeyConfigurationError, match="not random") as caught:
        load(FIELD_ENCRYPTION_KEYS=f"1:{base64.b64encode(key).decode()}")

    assert base64.b64encode(key).decode() not in str(caught.value)


def test_random_keys_and_the_test_suite_key_are_accepted():
    # Controls: a generated key, and the (text, but 11 distinct bytes) key of tests/settings.py.
    for _ in range(200):
        load(FIELD_ENCRYPTION_KEYS=f"1:{base64.b64encode(secrets.token_bytes(32)).decode()}")
    assert load(FIELD_ENCRYPTION_KEYS=TEST_KEYS).primary_id == 1


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("1:c2hvcnQ=", "is 5 bytes; it must be 32 bytes"),
        ("1:not*base64!", "is not valid base64"),
        ("one:" + base64.b64encode(bytes(range(32))).decode(), "non-numeric id"),
    ],
)
def test_short_and_malformed_keys_are_refused(keys, expected):
    with pytest.raises(KeyConfigurationError, match=re.escape(expected)):
        load(FIELD_ENCRYPTION_KEYS=keys)


def test_the_system_check_reports_a_world_readable_key_file(tmp_path):
    path = key_file(tmp_path, 0o644)
    with override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(path)):
        errors = checks.check_field_encryption_keys(None)
        path.chmod(0o600)
        assert checks.check_field_encryption_keys(None) == []  # control

    assert [error.id for error in errors] == ["encryption.E001"]


# --- at startup, in a separate process ---------------------------------------------------------


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


def _without_inline_keys() -> dict:
    return {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEYS"}


def test_manage_py_refuses_a_world_readable_key_file_in_one_line(checkout, tmp_path):
    path = key_file(tmp_path, 0o644)

    result = run_python(
        checkout,
        ["manage.py", "migrate", "--plan"],
        **_without_inline_keys(),
        FIELD_ENCRYPTION_KEY_FILE=str(path),
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Configuration error: encryption.E001: FIELD_ENCRYPTION_KEY_FILE {path} is accessible "
        f"to other users (mode 0644); run: chmod 600 {path}"
    ]


def test_manage_py_starts_with_an_owner_only_key_file(checkout, tmp_path):
    # Control for the refusal above.
    path = key_file(tmp_path, 0o600)

    result = run_python(
        checkout,
        ["manage.py", "check"],
        **_without_inline_keys(),
        FIELD_ENCRYPTION_KEY_FILE=str(path),
    )

    assert result.returncode == 0, result.stderr


def test_manage_py_refuses_an_example_key_in_one_line(checkout):
    example = base64.b64encode(sorted(KNOWN_EXAMPLE_KEYS)[-1]).decode()

    result = run_python(
        checkout, ["manage.py", "check"], **{**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f"1:{example}"}
    )

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "key id 1 is a published example key" in result.stderr
    assert example not in result.stderr


def test_a_server_that_runs_no_checks_still_refuses_a_bad_key(checkout):
    # gunicorn calls django.setup() and never runs system checks: the app config refuses.
    bad = {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f"1:{base64.b64encode(bytes(32)).decode()}"}

    result = setup_django(checkout, **bad)

    assert result.returncode != 0
    assert "KeyConfigurationError: encryption.E001: FIELD_ENCRYPTION_KEYS: key id 1" in (
        result.stderr
    )
    assert setup_django(checkout, **PRODUCTION).returncode == 0  # control
