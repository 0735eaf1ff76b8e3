"""The load and crash tests' checker (bench/appside.py) finds what it is there to find: a lost
autosave, an overwritten note, a missing signature, a half-signed note. Without this, "0 lost
writes" could come from a checker that never looks."""

import uuid

import pytest

from bench.appside import Verdict, _check_drafts, _check_notes, _check_signatures
from bench.workload import content_hash
from integrity import ledger
from sessions import services
from sessions.models import SessionDraft, TherapySession
from tests.base import make_client, make_session, make_signed_session, make_therapist
from tests.records import db_pk, immutability_triggers_off, raw

pytestmark = pytest.mark.django_db

TEXT = {"mood_affect": "calm", "section_subjective": "Talked about work.", "plan": "Walks."}


def _autosave(therapist, client, key, seq, text):
    services.autosave(
        draft_key=key,
        author=therapist,
        client=client,
        session=None,
        seq=seq,
        base_version=0,
        payload=text,
    )
    return {
        "kind": "autosave",
        "key": str(key),
        "client": str(client.pk),
        "session": None,
        "seq": seq,
        "hash": content_hash(text),
        "acked": True,
    }


def _verdict(streams) -> Verdict:
    verdict = Verdict()
    _check_drafts(streams, verdict)
    _check_notes(streams, verdict)
    _check_signatures(verdict)
    return verdict


@pytest.fixture
def world():
    therapist = make_therapist("ledger-check")
    return therapist, make_client(therapist)


def test_an_acknowledged_autosave_that_is_stored_passes(world):
    therapist, client = world
    key = uuid.uuid4()
    events = [_autosave(therapist, client, key, 1, {**TEXT, "plan": "old"})]
    events.append(_autosave(therapist, client, key, 2, TEXT))
    verdict = _verdict([events])
    assert verdict.lost == [] and verdict.checked["drafts"] == 1


def test_a_changed_or_deleted_autosave_is_reported_lost(world):
    therapist, client = world
    key = uuid.uuid4()
    events = [_autosave(therapist, client, key, 1, TEXT)]
    draft = SessionDraft.objects.get(pk=key)
    draft.payload = {**TEXT, "plan": "other"}
    draft.save()
    assert len(_verdict([events]).lost) == 1
    SessionDraft.objects.filter(pk=key).delete()
    assert len(_verdict([events]).lost) == 1


def test_an_overwritten_note_and_a_missing_signature_are_reported(world):
    _therapist, client = world
    session = make_session(client, note={"subjective": TEXT["section_subjective"]})
    session.mood_affect, session.plan = TEXT["mood_affect"], TEXT["plan"]
    session.save()
    events = [
        {
            "kind": "save",
            "key": str(uuid.uuid4()),
            "client": str(client.pk),
            "session": str(session.pk),
            "hash": content_hash(TEXT),
            "acked": True,
            "version_after": session.version,
        }
    ]
    assert _verdict([events]).lost == []
    session.plan = "someone else's text"
    session.save()
    assert len(_verdict([events]).lost) == 1
    session.plan = TEXT["plan"]
    session.save()
    events.append({"kind": "sign", "session": str(session.pk), "acked": True})
    assert len(_verdict([events]).lost) == 1


def test_a_signed_note_whose_seal_fails_is_half_signed(world):
    therapist, client = world
    signed = make_signed_session(client, therapist)
    assert _verdict([]).half_signed == []
    # The triggers refuse any change to a signed row: a seal over other content stands for a
    # signature written halfway (or tampered with).
    table = TherapySession._meta.db_table
    with immutability_triggers_off():
        raw(
            f"UPDATE {table} SET content_hash = %s WHERE id = %s",  # noqa: S608
            ["0" * 64, db_pk(TherapySession, signed.pk)],
        )
    # As the app would have left it (a write and its integrity record commit together): what
    # is tested is the signature check, not the ledger (its own check is bench.appside's
    # _integrity, and tests/integrity).
    ledger.record_rows(TherapySession, [signed.pk], using="default")
    assert len(_verdict([]).half_signed) == 1
