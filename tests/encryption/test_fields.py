"""Encrypted model fields, through the real models and the real database.

Raw SQL reads and writes (``connection.cursor()``) look at what the database actually holds and
tamper with it the way someone with access to the database file or a backup could.
"""

import base64
import datetime
import json
import unicodedata
from contextlib import contextmanager
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.test import override_settings

from clients.models import Client
from encryption import fields as encryption_fields
from encryption.envelope import MIN_LENGTH, open_sealed
from encryption.errors import (
    DecryptionError,
    KeyConfigurationError,
    MalformedCiphertextError,
    PlaintextQueryError,
    RecordIntegrityError,
    UnknownKeyError,
)
from encryption.fields import EncryptedField, EncryptedTextField, Sealed, binding_of
from encryption.keys import reset_keyring
from integrity import check as integrity_check
from sessions.models import TherapySession
from tests.base import (
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    make_client,
    make_session,
    make_therapist,
)

# The test suite's key (tests/settings.py) has id 1; these are other test-only keys.
OTHER_KEY_SAME_ID = "1:" + base64.b64encode(b"another-test-key-another-test-ke").decode()
NEW_PRIMARY = "2:" + base64.b64encode(b"rotated-test-key-rotated-test-ke").decode()

UNICODE_TEXT = (
    "Zoë 😀👩‍👩‍👧 مرحبا بك שלום \u200fRTL\u200e Ñandú e\u0301 a\u0308 "
    "한국어 🏳️‍🌈 \U0001f9d1\U0001f3fd‍⚕️ tab\tnewline\n"
)
LARGE_TEXT = ("Session recap ψ—ü. " * 12_000)[:200_000]


@contextmanager
def field_keys(**overrides):
    """Key settings in force, with the cached keyring dropped on the way in and out."""
    overrides.setdefault("FIELD_ENCRYPTION_KEY_FILE", "")
    try:
        with override_settings(**overrides):
            reset_keyring()
            yield
    finally:
        reset_keyring()


def _pk_param(model, pk):
    return model._meta.pk.get_db_prep_value(pk, connection)


def raw_column(instance, field_name: str):
    """The stored value of one column, straight from the database (bytes, or None)."""
    model = type(instance)
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(field_name).column)
    table = quote(model._meta.db_table)
    pk_column = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE {pk_column} = %s",  # noqa: S608
            [_pk_param(model, instance.pk)],
        )
        (value,) = cursor.fetchone()
    return None if value is None else bytes(value)


def write_raw_column(instance, field_name: str, value: bytes) -> None:
    model = type(instance)
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(field_name).column)
    table = quote(model._meta.db_table)
    pk_column = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s",  # noqa: S608
            [value, _pk_param(model, instance.pk)],
        )
        assert cursor.rowcount == 1


def reload(instance):
    return type(instance).objects.get(pk=instance.pk)


def skip_check(*args, **kwargs) -> None:
    """Stands in for the integrity check (``field_layer_only``)."""


@pytest.fixture
def field_layer_only(monkeypatch):
    """Reads go through the field layer alone, without the integrity check.

    A row changed outside the application is refused whole by the integrity app, when it is
    loaded through the model's manager (``check_loaded``) or, otherwise, when its first value
    is read (``check_instance``, on ``encryption.signals.record_opened``). So a raw tamper is
    reported as ``RecordIntegrityError`` whichever field is read. The tests that use this
    fixture are about the field layer underneath: which error a damaged value raises, and that
    the row's other values still decrypt at that layer. The same tampering is shown refused
    with the check in place in ``test_with_the_integrity_check_*``.
    """
    monkeypatch.setattr(integrity_check, "check_loaded", skip_check)
    monkeypatch.setattr(integrity_check, "check_instance", skip_check)


@pytest.fixture
def therapist(db):
    return make_therapist("alice")


@pytest.fixture
def client_record(therapist) -> Client:
    return make_client(
        therapist,
        full_name=ALICE_CANARY_NAME,
        preferred_name="Quill",
        date_of_birth=datetime.date(1988, 6, 1),
        general_notes="Grew up near the coast.",
    )


@pytest.fixture
def session_record(client_record) -> TherapySession:
    return make_session(client_record, note={"subjective": ALICE_CANARY_NOTE}, risk_level="low")


# --- round trips through save and reload ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        UNICODE_TEXT,
        LARGE_TEXT,
        "  leading and trailing spaces  ",
        "ends in a 0x80 byte \u0080",
        "ends in NULs\x00\x00",
    ],
    ids=["empty", "unicode", "200KB", "spaces", "pad-marker-byte", "nul"],
)
def test_text_round_trips_exactly_through_save_and_reload(client_record, text):
    client_record.general_notes = text
    client_record.preferred_name = text[:100]
    client_record.save()

    reloaded = reload(client_record)

    assert reloaded.general_notes == text
    assert reloaded.preferred_name == text[:100]


def test_combining_characters_are_not_normalised(client_record):
    decomposed = "Zoe\u0301 Mu\u0308ller"
    client_record.full_name = decomposed
    client_record.save()

    reloaded = reload(client_record).full_name

    assert reloaded == decomposed
    assert reloaded != unicodedata.normalize("NFC", decomposed)


@pytest.mark.parametrize(
    "value", [datetime.date(1988, 6, 1), datetime.date(1, 1, 1), datetime.date(9999, 12, 31), None]
)
def test_date_of_birth_round_trips_including_none(client_record, value):
    client_record.date_of_birth = value
    client_record.save()

    assert reload(client_record).date_of_birth == value


def test_an_absent_date_of_birth_is_stored_as_a_full_envelope_not_null(client_record):
    client_record.date_of_birth = None
    client_record.save()

    stored = raw_column(client_record, "date_of_birth")

    assert stored is not None
    assert len(stored) == MIN_LENGTH == len(raw_column(client_record, "pronouns"))
    # Same length as a real date: a column never shows who has no date of birth.
    client_record.date_of_birth = datetime.date(1990, 1, 1)
    client_record.save()
    assert len(raw_column(client_record, "date_of_birth")) == len(stored)


JSON_VALUES = [
    0,
    False,
    "",
    None,
    [],
    {},
    1.5,
    [0, False, "", {"a": [1, None]}],
    {"subjective": UNICODE_TEXT, "nested": {"list": [True, 0.0, -1, "ü"]}},
]


@pytest.mark.parametrize("value", JSON_VALUES, ids=[json.dumps(v)[:30] for v in JSON_VALUES])
def test_json_values_round_trip_with_their_types(session_record, value):
    session_record.themes = value
    session_record.note = value
    session_record.save()

    reloaded = reload(session_record)

    # json.dumps tells False from 0 and 0.0 from 0, which == does not.
    assert json.dumps(reloaded.themes) == json.dumps(value)
    assert json.dumps(reloaded.note) == json.dumps(value)


def test_falsy_theme_entries_keep_their_types(session_record):
    session_record.themes = [0, False, "", {"a": [1, None]}]
    session_record.save()

    themes = reload(session_record).themes

    assert [type(item) for item in themes] == [int, bool, str, dict]
    assert themes == [0, False, "", {"a": [1, None]}]


def test_json_that_is_not_finite_is_refused_on_save_and_nothing_is_stored(session_record):
    before = raw_column(session_record, "note")
    session_record.note = {"score": float("nan")}

    with pytest.raises(ValueError), transaction.atomic():
        session_record.save()

    assert raw_column(session_record, "note") == before


# --- what the database holds ------------------------------------------------------------------


def test_stored_column_is_an_envelope_under_the_primary_key_without_plaintext(client_record):
    stored = raw_column(client_record, "full_name")

    assert isinstance(stored, bytes)
    assert stored[:3] == b"\x02\x00\x01"  # version 2 (bound to its parent), key id 1
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        assert ALICE_CANARY_NAME.encode(encoding) not in stored
    assert ALICE_CANARY_NAME.encode().hex().encode() not in stored
    assert b"Quillfeather" not in stored
    assert base64.b64encode(ALICE_CANARY_NAME.encode()) not in stored


def test_every_encrypted_column_of_a_session_is_stored_as_an_envelope(session_record):
    encrypted = [f for f in TherapySession._meta.concrete_fields if isinstance(f, EncryptedField)]
    assert {f.name for f in encrypted} >= {"note", "themes", "risk_level", "plan"}

    for field in encrypted:
        stored = raw_column(session_record, field.name)
        assert stored[:3] == b"\x02\x00\x01", field.name
        assert len(stored) >= MIN_LENGTH, field.name
    assert b"zebrafinch" not in raw_column(session_record, "note")
    assert b"low" not in raw_column(session_record, "risk_level")


def test_risk_levels_are_stored_at_the_same_length(client_record):
    lengths = {
        len(raw_column(make_session(client_record, risk_level=level), "risk_level"))
        for level in ("none", "low", "moderate", "high")
    }

    assert lengths == {MIN_LENGTH}


def test_the_same_value_in_two_rows_is_stored_differently(therapist):
    first = make_client(therapist, full_name="Sam Same")
    second = make_client(therapist, full_name="Sam Same")

    assert raw_column(first, "full_name") != raw_column(second, "full_name")


def test_saving_again_encrypts_afresh(client_record):
    before = raw_column(client_record, "full_name")

    reload(client_record).save()

    after = raw_column(client_record, "full_name")
    assert after != before
    assert reload(client_record).full_name == ALICE_CANARY_NAME


def test_a_stored_value_cannot_be_read_with_the_raw_bytes_under_another_label(client_record):
    # The envelope API confirms what the column holds: it opens only as this field of this row,
    # of this row's parent (the client's therapist).
    stored = raw_column(client_record, "full_name")
    row_id, binding = str(client_record.pk), binding_of(client_record)
    assert binding == f"therapist_id={client_record.therapist_id}"

    assert open_sealed(
        stored, label="clients.client.full_name", row_id=row_id, binding=binding
    ) == (ALICE_CANARY_NAME.encode())
    with pytest.raises(DecryptionError):
        open_sealed(stored, label="clients.client.preferred_name", row_id=row_id, binding=binding)
    with pytest.raises(DecryptionError):
        open_sealed(stored, label="clients.client.full_name", row_id=row_id)


# --- tampering and moving values --------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "error"),
    [
        (0, MalformedCiphertextError),  # version
        (1, UnknownKeyError),  # key id, high byte
        (2, UnknownKeyError),  # key id, low byte
        (3, DecryptionError),  # nonce
        (14, DecryptionError),
        (15, DecryptionError),  # ciphertext
        (30, DecryptionError),
        (-17, DecryptionError),
        (-16, DecryptionError),  # tag
        (-1, DecryptionError),
    ],
)
def test_a_flipped_byte_in_the_stored_column_raises_on_read(
    field_layer_only, client_record, position, error
):
    stored = bytearray(raw_column(client_record, "full_name"))
    stored[position] ^= 0x01
    write_raw_column(client_record, "full_name", bytes(stored))

    tampered = reload(client_record)

    with pytest.raises(error):
        _ = tampered.full_name
    # At the field layer the other fields of the row are unaffected.
    assert tampered.preferred_name == "Quill"


@pytest.mark.parametrize("position", [0, 2, 3, 30, -1])
def test_with_the_integrity_check_a_flipped_byte_refuses_the_whole_row(client_record, position):
    # Control: untouched, the row reads.
    assert reload(client_record).preferred_name == "Quill"
    stored = bytearray(raw_column(client_record, "full_name"))
    stored[position] ^= 0x01
    write_raw_column(client_record, "full_name", bytes(stored))

    # Not even the untouched values of the row are returned, on every attempt.
    for _ in range(2):
        with pytest.raises(RecordIntegrityError, match="changed outside the application"):
            _ = reload(client_record).preferred_name


def test_a_tampered_value_raises_decryption_error_every_time_and_is_never_saved_over(
    field_layer_only, client_record
):
    stored = bytearray(raw_column(client_record, "full_name"))
    stored[20] ^= 0x80
    write_raw_column(client_record, "full_name", bytes(stored))
    tampered = reload(client_record)

    for _ in range(2):
        with pytest.raises(DecryptionError):
            _ = tampered.full_name
    # Saving the row re-reads the untouched value, so the damage is not laundered into a
    # freshly encrypted (and valid-looking) value.
    with pytest.raises(DecryptionError), transaction.atomic():
        tampered.save()
    assert raw_column(client_record, "full_name") == bytes(stored)


def test_untampered_value_reads_back(client_record):
    # Control for the tampering tests: the raw write of the unchanged bytes is harmless.
    write_raw_column(client_record, "full_name", raw_column(client_record, "full_name"))

    assert reload(client_record).full_name == ALICE_CANARY_NAME


def test_a_value_copied_from_another_clients_row_raises(field_layer_only, therapist, client_record):
    other = make_client(therapist, full_name="Another Person")
    write_raw_column(other, "full_name", raw_column(client_record, "full_name"))

    with pytest.raises(DecryptionError):
        _ = reload(other).full_name
    # Control: in its own row the same bytes still decrypt.
    assert reload(client_record).full_name == ALICE_CANARY_NAME


def test_a_value_copied_to_another_column_of_the_same_row_raises(field_layer_only, client_record):
    write_raw_column(client_record, "preferred_name", raw_column(client_record, "full_name"))

    moved = reload(client_record)

    with pytest.raises(DecryptionError):
        _ = moved.preferred_name
    # At the field layer the value left in its own column still reads.
    assert moved.full_name == ALICE_CANARY_NAME


def _copied_from_another_clients_row(therapist, client_record, session_record):
    other = make_client(therapist, full_name="Another Person")
    write_raw_column(other, "full_name", raw_column(client_record, "full_name"))
    return other, "preferred_name"


def _copied_to_another_column(therapist, client_record, session_record):
    write_raw_column(client_record, "preferred_name", raw_column(client_record, "full_name"))
    return client_record, "full_name"


def _session_note_copied_to_another_session(therapist, client_record, session_record):
    other = make_session(client_record, note={"subjective": "Quiet session."})
    write_raw_column(other, "note", raw_column(session_record, "note"))
    return other, "risk_level"


def _truncated(therapist, client_record, session_record):
    write_raw_column(client_record, "full_name", raw_column(client_record, "full_name")[:20])
    return client_record, "preferred_name"


@pytest.mark.parametrize(
    "tamper",
    [
        _copied_from_another_clients_row,
        _copied_to_another_column,
        _session_note_copied_to_another_session,
        _truncated,
    ],
    ids=["from-another-row", "to-another-column", "note-to-another-session", "truncated"],
)
def test_with_the_integrity_check_each_tampered_row_is_refused_whole(
    therapist, client_record, session_record, tamper
):
    # Each tamper of the field-layer tests above, with the integrity check in place: reading a
    # value the tamper did not touch is refused too.
    tampered, untouched = tamper(therapist, client_record, session_record)

    with pytest.raises(RecordIntegrityError, match="changed outside the application"):
        _ = getattr(reload(tampered), untouched)
    # Control: the record the value came from is untouched and reads.
    assert reload(session_record).note == {"subjective": ALICE_CANARY_NOTE}
    if tampered.pk != client_record.pk:
        assert reload(client_record).full_name == ALICE_CANARY_NAME


def test_a_session_note_copied_to_another_session_raises(
    field_layer_only, client_record, session_record
):
    other = make_session(client_record, note={"subjective": "Quiet session."})
    write_raw_column(other, "note", raw_column(session_record, "note"))

    with pytest.raises(DecryptionError):
        _ = reload(other).note
    assert reload(session_record).note == {"subjective": ALICE_CANARY_NOTE}


def test_a_truncated_column_raises_a_malformed_error(field_layer_only, client_record):
    write_raw_column(client_record, "full_name", raw_column(client_record, "full_name")[:20])

    with pytest.raises(MalformedCiphertextError, match="truncated"):
        _ = reload(client_record).full_name


# --- keys at read time ------------------------------------------------------------------------


def test_reading_with_a_different_key_under_the_same_id_raises(client_record):
    with field_keys(FIELD_ENCRYPTION_KEYS=OTHER_KEY_SAME_ID):
        loaded = reload(client_record)
        with pytest.raises(DecryptionError):
            _ = loaded.full_name


def test_reading_with_a_keyring_that_lacks_the_key_id_raises_unknown_key(client_record):
    with field_keys(FIELD_ENCRYPTION_KEYS=NEW_PRIMARY):
        loaded = reload(client_record)
        with pytest.raises(UnknownKeyError):
            _ = loaded.full_name


def test_reading_without_any_key_configured_raises(client_record):
    with field_keys(FIELD_ENCRYPTION_KEYS=""):
        loaded = reload(client_record)
        with pytest.raises(KeyConfigurationError):
            _ = loaded.full_name


def test_rotation_old_rows_still_read_and_a_save_moves_them_to_the_new_primary(client_record):
    with field_keys(FIELD_ENCRYPTION_KEYS=f"{NEW_PRIMARY},{settings.FIELD_ENCRYPTION_KEYS}"):
        loaded = reload(client_record)
        assert loaded.full_name == ALICE_CANARY_NAME
        assert raw_column(client_record, "full_name")[1:3] == b"\x00\x01"
        loaded.save()
        assert raw_column(client_record, "full_name")[1:3] == b"\x00\x02"
        assert reload(client_record).full_name == ALICE_CANARY_NAME

    # Control: the original keyring (id 1 only) cannot read the rotated row.
    with pytest.raises(UnknownKeyError):
        _ = reload(client_record).full_name


# --- plaintext never reaches SQL --------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        lambda qs: qs.filter(full_name="x"),
        lambda qs: qs.filter(full_name__exact=ALICE_CANARY_NAME),
        lambda qs: qs.exclude(full_name="x"),
        lambda qs: qs.filter(full_name__icontains="quill"),
        lambda qs: qs.filter(full_name__startswith="Q"),
        lambda qs: qs.filter(full_name__in=["x", ALICE_CANARY_NAME]),
        lambda qs: qs.filter(full_name=None),
        lambda qs: qs.filter(models.Q(status="active") | models.Q(full_name="x")),
        lambda qs: qs.filter(date_of_birth__gte=datetime.date(1980, 1, 1)),
        lambda qs: qs.filter(date_of_birth__year=1988),
        lambda qs: qs.filter(general_notes__contains="coast"),
    ],
    ids=[
        "filter-exact",
        "filter-explicit-exact",
        "exclude",
        "icontains",
        "startswith",
        "in",
        "exact-none",
        "inside-q-or",
        "date-gte",
        "date-year-transform",
        "contains",
    ],
)
def test_lookups_on_encrypted_fields_are_refused(client_record, query):
    with pytest.raises(PlaintextQueryError):
        list(query(Client.objects.all()))


def test_lookups_on_json_fields_are_refused(session_record):
    with pytest.raises(PlaintextQueryError):
        list(TherapySession.objects.filter(themes__contains=[{"theme": 1}]))
    with pytest.raises(PlaintextQueryError):
        list(TherapySession.objects.filter(note__subjective="x"))


def test_a_database_comparison_would_silently_match_nothing(client_record):
    # Control: why the lookups above must raise. The column holds ciphertext, so comparing it
    # with the plaintext in SQL finds nothing and nobody would notice.
    quote = connection.ops.quote_name
    table = quote(Client._meta.db_table)
    column = quote(Client._meta.get_field("full_name").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {column} = %s",  # noqa: S608
            [ALICE_CANARY_NAME.encode()],
        )
        assert cursor.fetchone()[0] == 0
    # ...and the same lookups on a plain column work.
    assert Client.objects.filter(status="active").exclude(status="x").count() == 1


def test_isnull_lookups_still_work(client_record):
    assert list(Client.objects.filter(full_name__isnull=True)) == []
    assert list(Client.objects.filter(full_name__isnull=False)) == [client_record]
    assert Client.objects.filter(date_of_birth__isnull=False).count() == 1


def test_update_with_plaintext_is_refused_and_nothing_is_written(client_record):
    before = raw_column(client_record, "full_name")

    with pytest.raises(PlaintextQueryError), transaction.atomic():
        Client.objects.filter(pk=client_record.pk).update(full_name="x")
    with pytest.raises(PlaintextQueryError), transaction.atomic():
        Client.objects.update(general_notes="")

    assert raw_column(client_record, "full_name") == before
    assert reload(client_record).full_name == ALICE_CANARY_NAME
    # Control: updating a plain column works.
    assert Client.objects.filter(pk=client_record.pk).update(status="waitlist") == 1


def test_bulk_update_with_a_plaintext_value_is_refused_and_nothing_is_written(client_record):
    before = raw_column(client_record, "full_name")
    client_record.full_name = "Overwritten In Bulk"
    client_record.status = "discharged"

    with pytest.raises(PlaintextQueryError), transaction.atomic():
        Client.objects.bulk_update([client_record], ["full_name"])

    assert raw_column(client_record, "full_name") == before
    assert reload(client_record).full_name == ALICE_CANARY_NAME
    # Control: bulk_update of a plain column works.
    assert Client.objects.bulk_update([client_record], ["status"]) == 1
    assert reload(client_record).status == "discharged"


def test_update_of_a_json_field_with_plaintext_is_refused(session_record):
    with pytest.raises(PlaintextQueryError), transaction.atomic():
        TherapySession.objects.update(themes=[])


# --- plaintext never leaves through serialisation ---------------------------------------------


@pytest.mark.parametrize("format_name", ["json", "python", "xml", "jsonl"])
def test_serialising_a_client_is_refused(client_record, format_name):
    with pytest.raises(PlaintextQueryError, match="never serialised"):
        serializers.serialize(format_name, [reload(client_record)])


def test_serialising_a_session_is_refused(session_record):
    with pytest.raises(PlaintextQueryError):
        serializers.serialize("json", [reload(session_record)])


def test_dumpdata_is_refused_and_writes_no_plaintext(client_record, session_record, tmp_path):
    output = tmp_path / "dump.json"

    for label in ("clients", "therapy_sessions"):
        with pytest.raises(CommandError, match="encrypted"):
            call_command("dumpdata", label, output=str(output), verbosity=0)
        text = output.read_text(encoding="utf-8") if output.exists() else ""
        assert "Quillfeather" not in text
        assert "zebrafinch" not in text


def test_serialising_only_plain_fields_works(client_record):
    # Control: the refusal comes from the encrypted fields, not from the model.
    data = json.loads(serializers.serialize("json", [client_record], fields=["status", "number"]))

    assert data[0]["fields"] == {"status": "active", "number": 1}


@pytest.mark.parametrize("fmt", ["json", "jsonl", "python", "xml"])
@pytest.mark.parametrize("field", ["date_of_birth", "full_name"])
def test_serialising_any_encrypted_field_is_refused_in_every_format(client_record, fmt, field):
    # Django's serialisers pass dates through without value_to_string(); the project's
    # serialisers (SERIALIZATION_MODULES) refuse encrypted fields before that happens.
    with pytest.raises(PlaintextQueryError):
        serializers.serialize(fmt, [reload(client_record)], fields=[field])


def test_django_serialiser_without_the_guard_would_leak_the_date(client_record):
    # Negative control: the stock serialiser emits the plaintext date.
    from django.core.serializers.json import Serializer

    output = Serializer().serialize([reload(client_record)], fields=["date_of_birth"])
    assert reload(client_record).date_of_birth.isoformat() in output


# --- lazy decryption --------------------------------------------------------------------------


def test_loading_a_client_decrypts_nothing_until_an_attribute_is_read(client_record):
    with mock.patch.object(
        encryption_fields, "open_sealed", wraps=encryption_fields.open_sealed
    ) as counting:
        loaded = reload(client_record)
        assert loaded.code == "C-0001"
        assert str(loaded) == "C-0001"
        assert counting.call_count == 0
        assert isinstance(loaded.__dict__["full_name"], Sealed)

        assert loaded.full_name == ALICE_CANARY_NAME
        assert counting.call_count == 1
        assert loaded.full_name == ALICE_CANARY_NAME  # cached on the instance
        assert counting.call_count == 1

        assert loaded.preferred_name == "Quill"
        assert counting.call_count == 2


def test_listing_clients_decrypts_only_what_is_read(therapist):
    for index in range(5):
        make_client(therapist, full_name=f"Client {index}")

    with mock.patch.object(
        encryption_fields, "open_sealed", wraps=encryption_fields.open_sealed
    ) as counting:
        clients = list(Client.objects.order_by("number"))
        assert [c.code for c in clients] == [f"C-{n:04d}" for n in range(1, 6)]
        assert counting.call_count == 0

        assert [c.full_name for c in clients] == [f"Client {n}" for n in range(5)]
        assert counting.call_count == 5


def test_a_deferred_encrypted_field_is_loaded_and_decrypted_on_access(client_record):
    loaded = Client.objects.only("id", "status").get(pk=client_record.pk)

    assert "full_name" not in loaded.__dict__
    assert loaded.full_name == ALICE_CANARY_NAME


# --- schema guard: every text column of the clinical apps is encrypted or allow-listed ---------

# The audit log is guarded too: it sits beside the record and must never grow a content column.
CLINICAL_APPS = ["clients", "therapy_sessions", "audit", "writing"]

# Columns that store text but hold no client information: bounded choice values only.
CHOICE_COLUMNS = {
    "clients.Client.status",
    "clients.Disclosure.kind",  # export / summary
    "therapy_sessions.TherapySession.session_type",
    "therapy_sessions.TherapySession.modality",
    "therapy_sessions.TherapySession.note_format",
    "therapy_sessions.TherapySession.status",  # draft / signed
    "audit.AuditEvent.action",
    "audit.AuditEvent.outcome",
    "writing.NoteTemplate.note_format",
}

# Text columns that are not choices but hold nothing typed about a client, each with the reason.
OPAQUE_COLUMNS = {
    # HMAC-SHA256 seal (hex) of the signed content, recomputed on every view to detect
    # tampering. Keyed (from the audit key), so a short note cannot be confirmed by guessing.
    "therapy_sessions.TherapySession.content_hash": "hex digest",
    "therapy_sessions.Addendum.content_hash": "hex digest",
    # The audit log: who (the therapist's login name and IP, staff data, not client data),
    # what (an opaque id and the client code, both checked by audit.services.log_event), and the
    # HMAC chain in hex.
    "audit.AuditEvent.username": "staff login name",
    "audit.AuditEvent.object_type": "model name",
    "audit.AuditEvent.object_id": "opaque id",
    "audit.AuditEvent.client_code": "client code such as C-0007",
    "audit.AuditEvent.ip_address": "the therapist's IP address",
    "audit.AuditEvent.prev_mac": "hex HMAC",
    "audit.AuditEvent.mac": "hex HMAC",
}
PLAINTEXT_ALLOW_LIST = CHOICE_COLUMNS | set(OPAQUE_COLUMNS)

_TEXT_FIELD_CLASSES = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.BinaryField,
    models.FileField,
)
_TEXT_INTERNAL_TYPES = {
    "CharField",
    "TextField",
    "JSONField",
    "BinaryField",
    "SlugField",
    "EmailField",
    "URLField",
    "FilePathField",
    "FileField",
    "ImageField",
    "GenericIPAddressField",
    "IPAddressField",
}


def stores_text(field) -> bool:
    return (
        isinstance(field, _TEXT_FIELD_CLASSES) or field.get_internal_type() in _TEXT_INTERNAL_TYPES
    )


def unprotected_text_columns(named_fields, allow_list) -> list[str]:
    """The qualified names of text-storing columns that are neither encrypted nor allow-listed."""
    return sorted(
        name
        for name, field in named_fields
        if getattr(field, "column", None)
        and stores_text(field)
        and not isinstance(field, EncryptedField)
        and name not in allow_list
    )


def clinical_columns():
    for app_label in CLINICAL_APPS:
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True):
            for field in model._meta.concrete_fields:
                yield f"{app_label}.{model.__name__}.{field.name}", field


def test_every_text_column_of_the_clinical_apps_is_encrypted_or_allow_listed():
    assert unprotected_text_columns(clinical_columns(), PLAINTEXT_ALLOW_LIST) == []


def test_the_allow_list_names_only_existing_choice_columns():
    columns = dict(clinical_columns())

    for name in CHOICE_COLUMNS:
        assert name in columns, f"{name} no longer exists; drop it from the allow-list"
        assert columns[name].choices, f"{name} is free text; it must be encrypted"


def test_the_opaque_columns_exist_and_are_too_short_for_free_text():
    columns = dict(clinical_columns())

    for name in OPAQUE_COLUMNS:
        assert name in columns, f"{name} no longer exists; drop it from the allow-list"
        field = columns[name]
        assert not field.choices, f"{name} has choices: list it with the choice columns"
        assert isinstance(field, models.GenericIPAddressField) or field.max_length <= 150, name


def test_the_guard_sees_the_encrypted_columns():
    names = {name for name, field in clinical_columns() if isinstance(field, EncryptedField)}

    assert {"clients.Client.full_name", "therapy_sessions.TherapySession.note"} <= names


def _named(name: str, field):
    field.set_attributes_from_name(name.rsplit(".", 1)[1])
    return name, field


def test_the_guard_flags_a_deliberately_plaintext_field():
    # Negative control: a scanner that never fires proves nothing.
    fake_fields = [
        _named("clients.Client.notes", models.TextField()),
        _named("clients.Client.nickname", models.CharField(max_length=40)),
        _named("clients.Client.extra", models.JSONField(default=dict)),
        _named("clients.Client.scan", models.BinaryField()),
        _named("clients.Client.status", models.CharField(max_length=12, choices=[("a", "A")])),
        _named("clients.Client.full_name", EncryptedTextField()),
        _named("clients.Client.number", models.PositiveIntegerField()),
        _named("clients.Client.intake_date", models.DateField()),
    ]

    assert unprotected_text_columns(fake_fields, PLAINTEXT_ALLOW_LIST) == [
        "clients.Client.extra",
        "clients.Client.nickname",
        "clients.Client.notes",
        "clients.Client.scan",
    ]
    # An allow-listed name is only exempt while it is on the list.
    assert "clients.Client.status" in unprotected_text_columns(fake_fields, set())
