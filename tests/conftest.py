import pytest

from encryption.keys import reset_keyring


@pytest.fixture(autouse=True)
def _fresh_keyring():
    """Each test reads the keyring from the settings in force (some tests override them)."""
    reset_keyring()
    yield
    reset_keyring()
