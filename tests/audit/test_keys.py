"""The audit key: its own key, required, checked, and created for development by devsetup."""

import stat
from pathlib import Path

import pytest
from django.core import checks
from django.test import override_settings

from audit.chain import compute_mac
from audit.keys import (
    KEY_BYTES,
    AuditKeyError,
    generate_audit_key,
    get_audit_key,
    load_audit_key_from_settings,
    parse_audit_key,
)
from config import devsetup
from config.env import read_dotenv
from tests.processes import (
    PRODUCTION,
    configuration_error,
    copy_checkout,
    run_python,
    setup_django,
)

FIELD_KEY_B64 = "dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="  # tests/settings.py's field key


def audit_errors() -> list[str]:
    return [
        f"{message.id}: {message.msg}"
        for message in checks.run_checks(tags=[checks.Tags.security])
        if message.id and message.id.startswith("audit.")
    ]


# --- loading --------------------------------------------------------------------------------


def test_a_generated_key_is_32_random_bytes():
    first, second = generate_audit_key(), generate_audit_key()

    assert len(parse_audit_key(first, "AUDIT_HMAC_KEY")) == KEY_BYTES
    assert first != second


@pytest.mark.parametrize(
    ("value", "message"),
    [("not base64!", "is not valid base64"), ("c2hvcnQ=", "is 5 bytes; it must be 32")],
)
def test_a_malformed_inline_key_names_the_variable_not_the_key(value, message):
    with override_settings(AUDIT_HMAC_KEY=value), pytest.raises(AuditKeyError) as caught:
        load_audit_key_from_settings()

    assert str(caught.value).startswith("AUDIT_HMAC_KEY ")
    assert message in str(caught.value)
    assert value not in str(caught.value)


def test_a_key_file_is_read_and_a_missing_one_is_named(tmp_path):
    key_file = tmp_path / "audit.key"
    key = generate_audit_key()
    key_file.write_text(key + "\n", encoding="ascii")

    with override_settings(AUDIT_HMAC_KEY="", AUDIT_HMAC_KEY_FILE=str(key_file)):
        assert load_audit_key_from_settings() == parse_audit_key(key, "test")
    gone = tmp_path / "gone.key"
    with (
        override_settings(AUDIT_HMAC_KEY="", AUDIT_HMAC_KEY_FILE=str(gone)),
        pytest.raises(AuditKeyError, match=r"AUDIT_HMAC_KEY_FILE names .*gone\.key"),
    ):
        load_audit_key_from_settings()


def test_changing_the_setting_changes_the_key_in_use():
    before = get_audit_key()
    other = generate_audit_key()

    with override_settings(AUDIT_HMAC_KEY=other):
        assert get_audit_key() == parse_audit_key(other, "test")
    assert get_audit_key() == before


def test_the_mac_depends_on_the_key():
    import datetime

    values = {
        "seq": 1,
        "at": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        "user_id": 1,
        "username": "alice",
        "action": "view_client",
        "object_type": "client",
        "object_id": "x",
        "client_code": "C-0001",
        "ip_address": None,
        "outcome": "ok",
    }
    one, two = (parse_audit_key(generate_audit_key(), "k") for _ in range(2))

    assert compute_mac(values, "0" * 64, one) == compute_mac(values, "0" * 64, one)
    assert compute_mac(values, "0" * 64, one) != compute_mac(values, "0" * 64, two)
    assert compute_mac(values, "0" * 64, one) != compute_mac(values, "1" * 64, one)


# --- system checks --------------------------------------------------------------------------


def test_the_check_passes_with_the_test_key():
    assert audit_errors() == []


def test_the_check_reports_a_malformed_key_as_audit_e001():
    with override_settings(AUDIT_HMAC_KEY="c2hvcnQ="):
        assert audit_errors() == [
            "audit.E001: AUDIT_HMAC_KEY is 5 bytes; it must be 32 random bytes, base64-encoded."
        ]


def test_the_check_refuses_a_field_encryption_key_reused_as_audit_key():
    with override_settings(AUDIT_HMAC_KEY=FIELD_KEY_B64):
        errors = audit_errors()

    assert len(errors) == 1 and errors[0].startswith("audit.E002")


# --- settings, in a subprocess (see tests/config/test_settings.py) ---


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


def test_settings_refuse_to_start_without_an_audit_key(checkout):
    variables = {k: v for k, v in PRODUCTION.items() if k != "AUDIT_HMAC_KEY"}

    message = configuration_error(setup_django(checkout, **variables))

    assert "AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE must be set" in message


def test_manage_py_check_reports_a_malformed_audit_key(checkout):
    result = run_python(checkout, ["manage.py", "check"], **{**PRODUCTION, "AUDIT_HMAC_KEY": "abc"})

    assert result.returncode != 0
    assert "audit.E001" in result.stderr and "AUDIT_HMAC_KEY is not valid base64" in result.stderr


# --- development set-up ---------------------------------------------------------------------


@pytest.fixture
def dev_checkout(tmp_path, monkeypatch) -> Path:
    """An empty checkout with no keys of either kind in the environment."""
    base = tmp_path / "checkout"
    base.mkdir()
    monkeypatch.setattr(devsetup, "BASE_DIR", base)
    monkeypatch.setattr(devsetup, "ENV_FILE", base / ".env")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    for name in (
        "FIELD_ENCRYPTION_KEYS",
        "FIELD_ENCRYPTION_KEY_FILE",
        "AUDIT_HMAC_KEY",
        "AUDIT_HMAC_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    return base


def _audit_key_path() -> Path:
    return devsetup.default_key_path().parent / "audit-hmac.key"


def test_devsetup_creates_an_owner_only_audit_key_beside_the_field_key(dev_checkout):
    assert devsetup.main() == 0

    path = _audit_key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dev_checkout not in path.parents
    values = read_dotenv(dev_checkout / ".env")
    assert values["AUDIT_HMAC_KEY_FILE"] == str(path)
    assert len(parse_audit_key(path.read_text(encoding="ascii"), str(path))) == KEY_BYTES
    # Its own key, not a copy of the field key.
    assert path.read_text(encoding="ascii") not in devsetup.default_key_path().read_text("ascii")


def test_devsetup_adds_the_audit_key_to_an_env_written_before_the_audit_log(dev_checkout):
    devsetup.main()
    env_file = dev_checkout / ".env"
    old_lines = [
        line
        for line in env_file.read_text(encoding="utf-8").splitlines()
        if not line.startswith("AUDIT_")
    ]
    env_file.write_text("\n".join(old_lines), encoding="utf-8")  # no final newline, even
    _audit_key_path().unlink()

    assert devsetup.main() == 0

    lines = env_file.read_text(encoding="utf-8").splitlines()
    assert lines[:-1] == old_lines  # everything kept, in order
    assert lines[-1] == f"AUDIT_HMAC_KEY_FILE={_audit_key_path()}"
    assert _audit_key_path().is_file()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_devsetup_a_second_run_changes_nothing(dev_checkout, capsys):
    devsetup.main()
    env_before = (dev_checkout / ".env").read_bytes()
    key_before = _audit_key_path().read_bytes()
    capsys.readouterr()

    assert devsetup.main() == 0

    assert (dev_checkout / ".env").read_bytes() == env_before
    assert _audit_key_path().read_bytes() == key_before
    assert capsys.readouterr().out == ""


def test_devsetup_leaves_an_audit_key_from_the_environment_alone(dev_checkout, monkeypatch):
    monkeypatch.setenv("AUDIT_HMAC_KEY", generate_audit_key())

    assert devsetup.main() == 0

    assert "AUDIT_HMAC_KEY_FILE" not in read_dotenv(dev_checkout / ".env")
    assert not _audit_key_path().exists()


def test_devsetup_keeps_an_audit_key_file_named_in_env(dev_checkout, tmp_path):
    named = tmp_path / "mine" / "audit.key"
    (dev_checkout / ".env").write_text(f"AUDIT_HMAC_KEY_FILE={named}\n", encoding="utf-8")

    assert devsetup.main() == 0

    assert named.is_file()
    assert not _audit_key_path().exists()
    assert read_dotenv(dev_checkout / ".env")["AUDIT_HMAC_KEY_FILE"] == str(named)
