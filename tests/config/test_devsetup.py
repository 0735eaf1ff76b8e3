"""config/devsetup.py: the development key file and .env written by `make run`."""

import os
import stat
from pathlib import Path

import pytest
from django.test import override_settings

from config import devsetup
from config.env import read_dotenv
from encryption.keys import (
    KEY_BYTES,
    load_keyring_from_settings,
    parse_keyring,
    reset_keyring,
    write_key_file,
)


@pytest.fixture
def checkout(tmp_path, monkeypatch) -> Path:
    """An empty checkout and config home in tmp_path, with no keys in the environment."""
    base = tmp_path / "checkout"
    base.mkdir()
    monkeypatch.setattr(devsetup, "BASE_DIR", base)
    monkeypatch.setattr(devsetup, "ENV_FILE", base / ".env")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    # A relative key path would land in the working directory: keep that in tmp_path too.
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    # tests/settings.py puts the suite's keys in os.environ; devsetup would use them.
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY_FILE", raising=False)
    return base


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_run_creates_an_owner_only_key_file_outside_the_checkout(checkout, tmp_path):
    assert devsetup.main() == 0

    key_path = devsetup.default_key_path()
    assert key_path.is_file()
    assert _mode(key_path) == 0o600
    assert _mode(key_path.parent) & 0o077 == 0
    assert checkout not in key_path.parents
    assert (tmp_path / "config-home") in key_path.parents


def test_first_run_writes_a_development_env_naming_the_key_file(checkout):
    assert devsetup.main() == 0

    env_file = checkout / ".env"
    values = read_dotenv(env_file)
    assert values["DJANGO_DEBUG"] == "true"
    assert values["FIELD_ENCRYPTION_KEY_FILE"] == str(devsetup.default_key_path())
    assert len(values["DJANGO_SECRET_KEY"]) >= 50
    assert values["DATABASE_URL"] == f"sqlite:///{checkout / 'db.sqlite3'}"
    assert _mode(env_file) == 0o600
    # The key itself is in the key file, not in the checkout.
    assert "FIELD_ENCRYPTION_KEYS" not in values


def test_the_key_file_is_a_valid_single_key_keyring(checkout):
    devsetup.main()
    key_file = Path(read_dotenv(checkout / ".env")["FIELD_ENCRYPTION_KEY_FILE"])

    keyring = parse_keyring(key_file.read_text(encoding="ascii"), str(key_file))

    assert keyring.primary_id == 1
    assert [len(key) for key in keyring.keys.values()] == [KEY_BYTES]
    # ...and the settings loader accepts it as FIELD_ENCRYPTION_KEY_FILE.
    with override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(key_file)):
        reset_keyring()
        assert load_keyring_from_settings().keys == keyring.keys
    reset_keyring()


def test_a_second_run_keeps_the_key_and_the_env_unchanged(checkout, capsys):
    assert devsetup.main() == 0
    key_path = devsetup.default_key_path()
    key_before = key_path.read_bytes()
    env_before = (checkout / ".env").read_bytes()
    capsys.readouterr()

    assert devsetup.main() == 0

    assert key_path.read_bytes() == key_before
    assert (checkout / ".env").read_bytes() == env_before
    assert capsys.readouterr().out == ""  # nothing created, nothing to announce


def test_two_checkouts_get_different_key_files(checkout, tmp_path, monkeypatch):
    first = devsetup.default_key_path()
    monkeypatch.setattr(devsetup, "BASE_DIR", tmp_path / "another-checkout")

    assert devsetup.default_key_path() != first


def test_refuses_when_a_database_exists_but_its_key_file_is_missing(checkout, capsys):
    (checkout / "db.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)

    assert devsetup.main() == 1

    error = capsys.readouterr().err
    assert "db.sqlite3" in error and str(devsetup.default_key_path()) in error
    # Nothing was created that would hide the problem next time.
    assert not devsetup.default_key_path().exists()
    assert not (checkout / ".env").exists()


def test_refuses_when_the_env_names_a_key_file_that_is_gone(checkout, tmp_path, capsys):
    assert devsetup.main() == 0
    (checkout / "db.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    key_path = devsetup.default_key_path()
    key_path.unlink()
    env_before = (checkout / ".env").read_bytes()

    assert devsetup.main() == 1

    assert str(key_path) in capsys.readouterr().err
    assert not key_path.exists()  # no new key that could not read the database
    assert (checkout / ".env").read_bytes() == env_before


def test_an_empty_database_file_does_not_block_a_new_key(checkout):
    # Control for the refusal: only a database that may hold data is protected.
    (checkout / "db.sqlite3").write_bytes(b"")

    assert devsetup.main() == 0
    assert devsetup.default_key_path().is_file()


def test_keys_from_the_environment_mean_nothing_is_written(checkout, monkeypatch):
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", "1:" + "A" * 43 + "=")

    assert devsetup.main() == 0

    assert not (checkout / ".env").exists()
    assert not devsetup.default_key_path().exists()


def test_an_existing_env_naming_a_key_file_is_kept_and_its_key_file_used(checkout, tmp_path):
    key_path = tmp_path / "elsewhere" / "my.keys"
    env_text = f"DJANGO_DEBUG=true\nFIELD_ENCRYPTION_KEY_FILE={key_path}\n"
    (checkout / ".env").write_text(env_text, encoding="utf-8")

    assert devsetup.main() == 0

    assert key_path.is_file() and _mode(key_path) == 0o600
    assert not devsetup.default_key_path().exists()
    assert (checkout / ".env").read_text(encoding="utf-8") == env_text


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_quoted_key_file_path_in_env_is_read_as_settings_read_it(checkout, tmp_path, quote):
    # settings.py strips the quotes (read_dotenv); devsetup must look at the same file.
    key_path = tmp_path / "with space" / "my.keys"
    (checkout / ".env").write_text(
        f"DJANGO_DEBUG=true\nFIELD_ENCRYPTION_KEY_FILE={quote}{key_path}{quote}\n",
        encoding="utf-8",
    )

    assert devsetup.main() == 0

    assert key_path.is_file()
    assert Path(read_dotenv(checkout / ".env")["FIELD_ENCRYPTION_KEY_FILE"]) == key_path
    # Not a relative path with the quote in its name, created in the working directory.
    assert list(Path.cwd().iterdir()) == []
    assert not devsetup.default_key_path().exists()


def test_write_key_file_never_overwrites(tmp_path):
    path = tmp_path / "k" / "field.keys"
    write_key_file(path)
    before = path.read_bytes()

    with pytest.raises(FileExistsError):
        write_key_file(path)
    assert path.read_bytes() == before
    assert _mode(path) == 0o600
    assert os.stat(path).st_uid == os.getuid()
