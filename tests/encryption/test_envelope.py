"""The envelope (encryption/envelope.py) and the keyring (encryption/keys.py), without models.

Every protection is shown with a control: the same value opens where it should, so a refusal
comes from the protection and not from a broken fixture.
"""

import base64
import os
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from encryption import checks
from encryption.envelope import (
    HEADER,
    MIN_LENGTH,
    NONCE_BYTES,
    TAG_BYTES,
    UNBOUND_VERSION,
    VERSION,
    key_id_of,
    open_many,
    open_sealed,
    reading_unbound_values,
    seal,
    seal_unbound,
    version_of,
)
from encryption.errors import (
    DecryptionError,
    EncryptionError,
    KeyConfigurationError,
    MalformedCiphertextError,
    UnknownKeyError,
)
from encryption.keys import (
    KEY_BYTES,
    Keyring,
    get_keyring,
    load_keyring_from_settings,
    parse_keyring,
    reset_keyring,
)

# Fixed test-only keys (they protect nothing).
KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
KEY_C = b"\xa5" * 32
B64_A = base64.b64encode(KEY_A).decode()
B64_B = base64.b64encode(KEY_B).decode()
B64_C = base64.b64encode(KEY_C).decode()

LABEL = "clients.client.full_name"
ROW = "0b7f3c2e-6a59-4c1e-9d0c-2f7f0e8d1a11"
OTHER_ROW = "6d2b8f4a-1e3c-4b7a-8f5d-9c0e1a2b3c4d"


def ring(text: str) -> Keyring:
    return parse_keyring(text, "test keyring")


@contextmanager
def field_keys(**overrides):
    """Key settings in force, with the cached keyring dropped on the way in and out."""
    try:
        with override_settings(**overrides):
            reset_keyring()
            yield
    finally:
        reset_keyring()


@pytest.fixture
def keyring() -> Keyring:
    return ring(f"1:{B64_A}")


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    [
        b"",
        "Zoë 😀 مرحبا שלום e\u0301".encode(),
        b"\x80",
        b"ends with the pad marker \x80\x00\x00",
        bytes(range(256)),
        os.urandom(200 * 1024),
    ],
    ids=["empty", "unicode", "pad-marker", "pad-lookalike-suffix", "all-bytes", "200KB"],
)
def test_seal_then_open_returns_the_exact_bytes(keyring, plaintext):
    blob = seal(plaintext, label=LABEL, row_id=ROW, keyring=keyring)

    assert open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring) == plaintext


def test_stored_form_is_version_key_id_nonce_then_padded_ciphertext_and_tag(keyring):
    blob = seal(b"x" * 20, label=LABEL, row_id=ROW, keyring=keyring)

    assert blob[0] == VERSION == 2
    assert blob[1:3] == b"\x00\x01"  # key id 1, big-endian
    assert key_id_of(blob) == 1
    # 20 bytes pad to 32; the tag adds 16.
    assert len(blob) == HEADER.size + NONCE_BYTES + 32 + TAG_BYTES


def test_ciphertext_does_not_contain_the_plaintext(keyring):
    plaintext = b"a very recognisable sentence about a client " * 4
    blob = seal(plaintext, label=LABEL, row_id=ROW, keyring=keyring)

    assert b"recognisable" not in blob


def test_two_encryptions_of_the_same_value_use_different_nonces(keyring):
    first = seal(b"moderate", label=LABEL, row_id=ROW, keyring=keyring)
    second = seal(b"moderate", label=LABEL, row_id=ROW, keyring=keyring)

    nonce = slice(HEADER.size, HEADER.size + NONCE_BYTES)
    assert first[nonce] != second[nonce]
    assert first != second
    assert open_sealed(first, label=LABEL, row_id=ROW, keyring=keyring) == b"moderate"
    assert open_sealed(second, label=LABEL, row_id=ROW, keyring=keyring) == b"moderate"


# --- padding ----------------------------------------------------------------------------------


def test_short_values_of_different_lengths_encrypt_to_the_same_length(keyring):
    lengths = {
        len(seal(value, label=LABEL, row_id=ROW, keyring=keyring))
        for value in [b"", b"none", b"low", b"high", b"moderate", b"x" * 15]
    }

    assert lengths == {MIN_LENGTH}


def test_without_padding_risk_levels_would_be_told_apart_by_length():
    # Control: plain AES-GCM leaks the length, which is what the padding hides.
    cipher = AESGCM(KEY_A)
    nonce = b"\x00" * NONCE_BYTES

    assert len(cipher.encrypt(nonce, b"low", None)) != len(cipher.encrypt(nonce, b"moderate", None))


def test_padding_grows_in_whole_16_byte_blocks(keyring):
    def length(n: int) -> int:
        return len(seal(b"x" * n, label=LABEL, row_id=ROW, keyring=keyring))

    assert length(15) == length(0)
    assert length(16) == length(15) + 16
    assert length(31) == length(16)
    assert length(32) == length(31) + 16


# --- tampering --------------------------------------------------------------------------------

PLAINTEXT = b"Felt dismissed by her mother; sleep poor."


def _flip(blob: bytes, bit: int) -> bytes:
    mutable = bytearray(blob)
    mutable[bit // 8] ^= 1 << (bit % 8)
    return bytes(mutable)


def _outcomes(blob: bytes, keyring: Keyring, byte_range: range) -> dict[type, int]:
    """Open the value with each bit of the range flipped; count the exception classes raised."""
    outcomes: dict[type, int] = {}
    for bit in range(byte_range.start * 8, byte_range.stop * 8):
        try:
            opened = open_sealed(_flip(blob, bit), label=LABEL, row_id=ROW, keyring=keyring)
        except EncryptionError as exc:
            outcomes[type(exc)] = outcomes.get(type(exc), 0) + 1
        else:
            pytest.fail(f"flipping bit {bit} went unnoticed and returned {len(opened)} bytes")
    return outcomes


def test_every_bit_flip_in_the_version_byte_is_a_malformed_value(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    assert _outcomes(blob, keyring, range(0, 1)) == {MalformedCiphertextError: 8}


def test_every_bit_flip_in_the_key_id_names_an_unknown_key(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    assert _outcomes(blob, keyring, range(1, 3)) == {UnknownKeyError: 16}


def test_a_key_id_flipped_to_another_configured_key_fails_authentication():
    # Ids 1 and 3 differ in one bit: the flipped value names a real key, which must not open it.
    keyring = ring(f"1:{B64_A},3:{B64_B}")
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)
    flipped = _flip(blob, 2 * 8 + 1)

    assert key_id_of(flipped) == 3
    with pytest.raises(DecryptionError):
        open_sealed(flipped, label=LABEL, row_id=ROW, keyring=keyring)


@pytest.mark.parametrize(
    "region",
    ["nonce", "ciphertext", "tag"],
)
def test_every_bit_flip_in_nonce_ciphertext_and_tag_fails_authentication(keyring, region):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)
    nonce_end = HEADER.size + NONCE_BYTES
    byte_range = {
        "nonce": range(HEADER.size, nonce_end),
        "ciphertext": range(nonce_end, len(blob) - TAG_BYTES),
        "tag": range(len(blob) - TAG_BYTES, len(blob)),
    }[region]
    assert len(byte_range) >= NONCE_BYTES

    # Control: the untouched value opens.
    assert open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring) == PLAINTEXT
    assert _outcomes(blob, keyring, byte_range) == {DecryptionError: len(byte_range) * 8}


def test_a_changed_envelope_version_is_reported_by_number(keyring):
    blob = bytearray(seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring))
    blob[0] = 3

    with pytest.raises(MalformedCiphertextError, match="unknown envelope version 3"):
        open_sealed(bytes(blob), label=LABEL, row_id=ROW, keyring=keyring)


@pytest.mark.parametrize("length", [0, 1, 2, 3, 15, HEADER.size + NONCE_BYTES, MIN_LENGTH - 1])
def test_a_value_truncated_below_the_minimum_is_malformed(keyring, length):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    with pytest.raises(MalformedCiphertextError, match="truncated"):
        open_sealed(blob[:length], label=LABEL, row_id=ROW, keyring=keyring)


def test_a_value_truncated_above_the_minimum_fails_and_never_returns_data(keyring):
    blob = seal(b"y" * 100, label=LABEL, row_id=ROW, keyring=keyring)
    assert len(blob) > MIN_LENGTH + 16

    for length in range(MIN_LENGTH, len(blob)):
        with pytest.raises((MalformedCiphertextError, DecryptionError)):
            open_sealed(blob[:length], label=LABEL, row_id=ROW, keyring=keyring)


@pytest.mark.parametrize("length", [0, 1, 2])
def test_key_id_of_a_value_without_a_header_is_malformed(length):
    with pytest.raises(MalformedCiphertextError):
        key_id_of(b"\x01\x00\x01"[:length])


# --- a value belongs to one field of one row ---------------------------------------------------


def test_a_value_moved_to_another_row_fails_authentication(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    assert open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring) == PLAINTEXT
    with pytest.raises(DecryptionError, match="moved from another row, field or parent record"):
        open_sealed(blob, label=LABEL, row_id=OTHER_ROW, keyring=keyring)


def test_a_value_moved_to_another_field_fails_authentication(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    assert open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring) == PLAINTEXT
    with pytest.raises(DecryptionError):
        open_sealed(blob, label="clients.client.preferred_name", row_id=ROW, keyring=keyring)


def test_labels_and_row_ids_cannot_be_shifted_into_each_other(keyring):
    # The label is length-prefixed, so "...name" + "1row" is not "...name1" + "row".
    blob = seal(PLAINTEXT, label="a.b.name", row_id="1row", keyring=keyring)

    with pytest.raises(DecryptionError):
        open_sealed(blob, label="a.b.name1", row_id="row", keyring=keyring)


def test_a_decryption_error_names_the_place_but_never_the_value(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    with pytest.raises(DecryptionError) as caught:
        open_sealed(blob, label=LABEL, row_id=OTHER_ROW, keyring=keyring)

    message = str(caught.value)
    assert LABEL in message and OTHER_ROW in message
    assert "dismissed" not in message
    assert blob.hex()[:16] not in message


# --- a value belongs to its row's parent (version 2) ------------------------------------------

PARENT = "client_id=3f1d2c4b-5a69-4e7d-8c0b-1a2b3c4d5e6f"
OTHER_PARENT = "client_id=9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"


def test_a_value_sealed_for_one_parent_does_not_open_for_another(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, binding=PARENT, keyring=keyring)

    # Control: with its own parent it opens.
    assert open_sealed(blob, label=LABEL, row_id=ROW, binding=PARENT, keyring=keyring) == PLAINTEXT
    for binding in (OTHER_PARENT, "", "client_id="):
        with pytest.raises(DecryptionError, match="parent record"):
            open_sealed(blob, label=LABEL, row_id=ROW, binding=binding, keyring=keyring)


def test_a_value_sealed_without_a_parent_does_not_open_with_one(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    assert open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring) == PLAINTEXT
    with pytest.raises(DecryptionError):
        open_sealed(blob, label=LABEL, row_id=ROW, binding=PARENT, keyring=keyring)


def test_row_ids_and_parents_cannot_be_shifted_into_each_other(keyring):
    # Both are length-prefixed, so row "ab" of parent "c" is not row "a" of parent "bc".
    blob = seal(PLAINTEXT, label=LABEL, row_id="ab", binding="c", keyring=keyring)

    assert open_sealed(blob, label=LABEL, row_id="ab", binding="c", keyring=keyring) == PLAINTEXT
    with pytest.raises(DecryptionError):
        open_sealed(blob, label=LABEL, row_id="a", binding="bc", keyring=keyring)


# --- version 1 values (written before parents were bound) --------------------------------------


def test_an_unbound_value_is_refused_outside_the_binding_migration(keyring):
    blob = seal_unbound(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)
    assert version_of(blob) == UNBOUND_VERSION == 1

    for binding in ("", PARENT):
        with pytest.raises(DecryptionError, match="old format without its parent") as caught:
            open_sealed(blob, label=LABEL, row_id=ROW, binding=binding, keyring=keyring)
        assert "dismissed" not in str(caught.value)


def test_an_unbound_value_opens_inside_reading_unbound_values_and_only_there(keyring):
    blob = seal_unbound(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    with reading_unbound_values():
        # A version 1 value has no parent: whatever binding the caller passes is not used.
        assert open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring) == PLAINTEXT
        assert (
            open_sealed(blob, label=LABEL, row_id=ROW, binding=PARENT, keyring=keyring) == PLAINTEXT
        )
    # The permission ends with the block, also when the block raises.
    with pytest.raises(DecryptionError, match="old format"):
        open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring)
    with pytest.raises(RuntimeError), reading_unbound_values():
        raise RuntimeError("migration failed")
    with pytest.raises(DecryptionError, match="old format"):
        open_sealed(blob, label=LABEL, row_id=ROW, keyring=keyring)


def test_inside_reading_unbound_values_an_unbound_value_still_belongs_to_its_row_and_field(
    keyring,
):
    blob = seal_unbound(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)

    with reading_unbound_values():
        with pytest.raises(DecryptionError):
            open_sealed(blob, label=LABEL, row_id=OTHER_ROW, keyring=keyring)
        with pytest.raises(DecryptionError):
            open_sealed(blob, label="clients.client.preferred_name", row_id=ROW, keyring=keyring)
        with pytest.raises(DecryptionError):
            open_sealed(_flip(blob, len(blob) * 8 - 1), label=LABEL, row_id=ROW, keyring=keyring)


def test_a_bound_value_relabelled_as_version_1_opens_nowhere(keyring):
    # Rewriting the version byte cannot strip the parent: the header is authenticated too.
    blob = bytearray(seal(PLAINTEXT, label=LABEL, row_id=ROW, binding=PARENT, keyring=keyring))
    blob[0] = UNBOUND_VERSION

    with pytest.raises(DecryptionError, match="old format"):
        open_sealed(bytes(blob), label=LABEL, row_id=ROW, binding=PARENT, keyring=keyring)
    with reading_unbound_values(), pytest.raises(DecryptionError, match="failed authentication"):
        open_sealed(bytes(blob), label=LABEL, row_id=ROW, binding=PARENT, keyring=keyring)


# --- keys -------------------------------------------------------------------------------------


def test_a_different_key_under_the_same_id_fails_authentication(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)
    impostor = ring(f"1:{B64_B}")

    with pytest.raises(DecryptionError):
        open_sealed(blob, label=LABEL, row_id=ROW, keyring=impostor)


def test_a_value_naming_a_key_id_that_is_not_configured_raises_unknown_key(keyring):
    blob = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=keyring)
    other = ring(f"2:{B64_A}")  # the same key bytes, but not id 1: ids are not guessed

    with pytest.raises(UnknownKeyError, match=r"key id 1.*configured ids: 2"):
        open_sealed(blob, label=LABEL, row_id=ROW, keyring=other)


def test_after_adding_a_new_primary_old_values_open_and_new_writes_use_the_new_key():
    old = ring(f"1:{B64_A}")
    written_before = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=old)
    rotated = ring(f"2:{B64_B},1:{B64_A}")

    written_after = seal(PLAINTEXT, label=LABEL, row_id=ROW, keyring=rotated)

    assert rotated.primary_id == 2
    assert key_id_of(written_before) == 1
    assert key_id_of(written_after) == 2
    assert open_sealed(written_before, label=LABEL, row_id=ROW, keyring=rotated) == PLAINTEXT
    assert open_sealed(written_after, label=LABEL, row_id=ROW, keyring=rotated) == PLAINTEXT
    # Control: the old keyring alone cannot read the new write.
    with pytest.raises(UnknownKeyError):
        open_sealed(written_after, label=LABEL, row_id=ROW, keyring=old)


def test_each_field_label_gets_its_own_subkey():
    keyring = ring(f"1:{B64_A}")

    assert keyring.cipher(1, LABEL) is keyring.cipher(1, LABEL)  # cached
    assert keyring.cipher(1, LABEL) is not keyring.cipher(1, "clients.client.phone")
    # The master key is never used directly as the AES key.
    nonce = b"\x00" * NONCE_BYTES
    direct = AESGCM(KEY_A).encrypt(nonce, b"x" * 16, None)
    assert keyring.cipher(1, LABEL).encrypt(nonce, b"x" * 16, None) != direct


# --- parsing the keyring ----------------------------------------------------------------------


def test_parse_keyring_reads_ids_and_keys_and_the_first_is_primary():
    keyring = parse_keyring(f" 3:{B64_C} ,\n1:{B64_A}\n,2:{B64_B}\n", "FIELD_ENCRYPTION_KEYS")

    assert keyring.primary_id == 3
    assert keyring.keys == {3: KEY_C, 1: KEY_A, 2: KEY_B}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "FIELD_ENCRYPTION_KEYS is empty"),
        (" , \n ,", "FIELD_ENCRYPTION_KEYS is empty"),
        (B64_A, "key 1 is not in the form <id>:<base64 key>"),
        (f"1:{B64_A},{B64_B}", "key 2 is not in the form <id>:<base64 key>"),
        (f"one:{B64_A}", "key 1 has a non-numeric id 'one'"),
        (f"0:{B64_A}", "key id 0 is outside 1-65535"),
        (f"70000:{B64_A}", "key id 70000 is outside 1-65535"),
        (f"-1:{B64_A}", "key id -1 is outside 1-65535"),
        (f"1:{B64_A},1:{B64_B}", "key id 1 appears twice"),
        ("1:not*base64!", "key id 1 is not valid base64"),
        (f"1:{B64_A[:-1]}", "key id 1 is not valid base64"),
        (f"1:{base64.b64encode(b'k' * 16).decode()}", "key id 1 is 16 bytes; it must be 32"),
        (f"1:{base64.b64encode(b'k' * 64).decode()}", "key id 1 is 64 bytes; it must be 32"),
    ],
    ids=[
        "empty",
        "only-separators",
        "missing-colon",
        "missing-colon-second",
        "non-numeric-id",
        "id-zero",
        "id-too-large",
        "id-negative",
        "duplicate-id",
        "invalid-base64",
        "bad-base64-padding",
        "16-byte-key",
        "64-byte-key",
    ],
)
def test_parse_keyring_refuses_a_malformed_keyring_naming_the_problem(text, message):
    with pytest.raises(KeyConfigurationError) as caught:
        parse_keyring(text, "FIELD_ENCRYPTION_KEYS")

    assert message in str(caught.value)
    assert str(caught.value).startswith("FIELD_ENCRYPTION_KEYS")
    # The message never echoes key material.
    for secret in (B64_A, B64_B, base64.b64encode(b"k" * 16).decode()):
        assert secret not in str(caught.value)


def test_key_configuration_errors_are_improperly_configured():
    # manage.py turns ImproperlyConfigured into one readable line.
    assert issubclass(KeyConfigurationError, ImproperlyConfigured)
    assert issubclass(KeyConfigurationError, EncryptionError)


def test_keyring_repr_never_contains_key_material():
    keyring = ring(f"2:{B64_B},1:{B64_A}")
    keyring.cipher(1, LABEL)  # populate the cipher cache too

    for text in (repr(keyring), str(keyring), f"{keyring!r}", repr([keyring])):
        assert B64_A not in text and B64_B not in text
        assert repr(KEY_A) not in text and repr(KEY_B) not in text
        assert KEY_A.hex() not in text
    assert repr(keyring) == "Keyring(primary_id=2, ids=[1, 2])"
    # Control: the same check does fire on a representation that holds the keys.
    assert repr(KEY_A) in repr(keyring.keys)


# --- loading the keyring from settings --------------------------------------------------------


def test_a_key_file_that_does_not_exist_is_named_in_the_error(tmp_path):
    missing = tmp_path / "nowhere" / "field.keys"

    with (
        override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(missing)),
        pytest.raises(KeyConfigurationError, match="does not exist") as caught,
    ):
        load_keyring_from_settings()
    assert str(missing) in str(caught.value)
    assert "FIELD_ENCRYPTION_KEY_FILE" in str(caught.value)


def test_a_key_file_that_cannot_be_read_is_named_in_the_error(tmp_path):
    with (
        override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(tmp_path)),
        pytest.raises(KeyConfigurationError, match="cannot be read") as caught,
    ):
        load_keyring_from_settings()
    assert str(tmp_path) in str(caught.value)


def test_a_valid_key_file_is_loaded(tmp_path):
    key_file = tmp_path / "field.keys"
    key_file.write_text(f"2:{B64_B}\n1:{B64_A}\n", encoding="ascii")
    key_file.chmod(0o600)  # a key file other users can read is refused (test_key_checks.py)

    with override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(key_file)):
        keyring = load_keyring_from_settings()

    assert keyring.primary_id == 2
    assert keyring.keys == {2: KEY_B, 1: KEY_A}


def test_a_malformed_key_file_error_names_the_file(tmp_path):
    key_file = tmp_path / "field.keys"
    key_file.write_text("1:short\n", encoding="ascii")

    with (
        override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=str(key_file)),
        pytest.raises(KeyConfigurationError, match="not valid base64") as caught,
    ):
        load_keyring_from_settings()
    assert str(caught.value).startswith(f"FIELD_ENCRYPTION_KEY_FILE {key_file}")


def test_no_key_setting_at_all_names_both_settings():
    with (
        override_settings(FIELD_ENCRYPTION_KEYS="", FIELD_ENCRYPTION_KEY_FILE=""),
        pytest.raises(KeyConfigurationError) as caught,
    ):
        load_keyring_from_settings()

    assert "FIELD_ENCRYPTION_KEYS" in str(caught.value)
    assert "FIELD_ENCRYPTION_KEY_FILE" in str(caught.value)


def test_the_system_check_reports_a_bad_keyring_as_encryption_e001():
    with field_keys(FIELD_ENCRYPTION_KEYS="1:not*base64!", FIELD_ENCRYPTION_KEY_FILE=""):
        errors = checks.check_field_encryption_keys(None)

    assert [error.id for error in errors] == ["encryption.E001"]
    assert "not valid base64" in errors[0].msg
    # Control: the test keyring passes.
    assert checks.check_field_encryption_keys(None) == []


def test_the_keyring_is_read_once_and_reread_after_reset():
    with field_keys(FIELD_ENCRYPTION_KEYS=f"1:{B64_A}", FIELD_ENCRYPTION_KEY_FILE=""):
        first = get_keyring()
        assert get_keyring() is first
        reset_keyring()
        assert get_keyring() is not first
        assert get_keyring().keys == {1: KEY_A}


# --- keys are independent of SECRET_KEY -------------------------------------------------------


def test_changing_secret_key_does_not_affect_decryption():
    with field_keys(FIELD_ENCRYPTION_KEYS=f"1:{B64_A}", FIELD_ENCRYPTION_KEY_FILE=""):
        blob = seal(PLAINTEXT, label=LABEL, row_id=ROW)

        with override_settings(SECRET_KEY="a-completely-different-secret-key-" + "x" * 30):
            reset_keyring()
            assert open_sealed(blob, label=LABEL, row_id=ROW) == PLAINTEXT


def test_changing_field_encryption_keys_does_affect_decryption():
    # Control for the test above: the settings-derived keyring is really what decrypts.
    with field_keys(FIELD_ENCRYPTION_KEYS=f"1:{B64_A}", FIELD_ENCRYPTION_KEY_FILE=""):
        blob = seal(PLAINTEXT, label=LABEL, row_id=ROW)

    with (
        field_keys(FIELD_ENCRYPTION_KEYS=f"1:{B64_B}", FIELD_ENCRYPTION_KEY_FILE=""),
        pytest.raises(DecryptionError),
    ):
        open_sealed(blob, label=LABEL, row_id=ROW)


def test_the_keyring_has_the_configured_key_length():
    with field_keys(FIELD_ENCRYPTION_KEYS=f"1:{B64_A}", FIELD_ENCRYPTION_KEY_FILE=""):
        assert all(len(key) == KEY_BYTES for key in get_keyring().keys.values())


# --- many values at once (search index builds) -----------------------------------------------


def test_open_many_opens_what_open_sealed_opens(keyring):
    rows = [(f"row-{n}", f"client_id=c{n % 3}", os.urandom(n * 7)) for n in range(40)]
    blobs = [
        (seal(text, label=LABEL, row_id=row, binding=binding, keyring=keyring), row, binding)
        for row, binding, text in rows
    ]
    opened = open_many(blobs, label=LABEL, keyring=keyring)
    assert opened == [text for _, _, text in rows]
    assert opened == [
        open_sealed(blob, label=LABEL, row_id=row, binding=binding, keyring=keyring)
        for blob, row, binding in blobs
    ]


def test_open_many_refuses_what_open_sealed_refuses(keyring):
    good = seal(b"note", label=LABEL, row_id=ROW, binding="client_id=a", keyring=keyring)
    flipped = bytearray(good)
    flipped[-1] ^= 1
    cases = {
        "moved to another row": (good, OTHER_ROW, "client_id=a"),
        "moved to another parent": (good, ROW, "client_id=b"),
        "a flipped bit": (bytes(flipped), ROW, "client_id=a"),
        "truncated": (good[: MIN_LENGTH - 1], ROW, "client_id=a"),
        "an unbound value": (
            seal_unbound(b"note", label=LABEL, row_id=ROW, keyring=keyring),
            ROW,
            "client_id=a",
        ),
    }
    for name, value in cases.items():
        with pytest.raises(EncryptionError) as many:
            open_many([value], label=LABEL, keyring=keyring)
        with pytest.raises(EncryptionError) as one:
            open_sealed(value[0], label=LABEL, row_id=value[1], binding=value[2], keyring=keyring)
        assert (type(many.value), str(many.value)) == (type(one.value), str(one.value)), name
    # Control: the untouched value opens.
    assert open_many([(good, ROW, "client_id=a")], label=LABEL, keyring=keyring) == [b"note"]
