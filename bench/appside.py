"""The app side of the load and crash tests, run as a child process with the scratch
environment (``python -m bench.appside seed|check|serve``).

``seed OUT THERAPISTS CLIENTS SESSIONS``: bench therapists up to number THERAPISTS (seed_demo's
generator; those that have clients already are left alone), each new one with a confirmed TOTP
device; writes their ids, logins, device keys and client ids to OUT (JSON).

``check LEDGER`` / ``serve``: read the database back through the app's models (decrypting) and
check every acknowledged write of the ledger, plus the invariants that need no ledger:

* an acknowledged autosave is stored with the acknowledged content (by draft id and hash),
  unless a later write to the same draft (an autosave with a higher seq, or a Save of the
  form, acknowledged or not) superseded it, in which case the later write must be there;
* an acknowledged save of a note is stored with that content, or with the content of a later
  write to the same note; an acknowledged signature left the note signed;
* no note is half-signed: signed <=> signed_at, signed_by and content_hash are all set, and
  the seal of every signed note verifies;
* every record matches the integrity ledger, and the ledger's chain is whole;
* the audit log's HMAC chain is whole (``audit.chain.verify_chain``) and, under ``serve``,
  still holds the head the previous check saw (nothing acknowledged in the log was cut off);
* SQLite: ``PRAGMA integrity_check`` answers ``ok`` (and no foreign key is dangling).

``serve`` reads one ledger path per line on stdin and answers one JSON verdict per line.
"""

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

MAX_DETAILS = 10
# The audit log's head at the previous check of this process (``serve``): (seq, mac).
_audit_head: tuple[int, str] | None = None


def _setup() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def seed(out: str, therapists: int, clients: int, sessions: int) -> None:
    from django.contrib.auth import get_user_model

    from accounts.testing import totp_device
    from clients.models import Client
    from demo.generator import BENCH_PASSWORD, seed_bench_therapists

    report = seed_bench_therapists(
        therapists=therapists, clients=clients, sessions=sessions, seed=1
    )
    users = get_user_model().objects.filter(username__in=report.created).order_by("username")
    rows = []
    for user in users:
        device = totp_device(user)
        rows.append(
            {
                "id": user.pk,
                "username": user.username,
                "password": BENCH_PASSWORD,
                "device": {
                    "key": device.key,
                    "step": device.step,
                    "t0": device.t0,
                    "digits": device.digits,
                },
                "clients": [
                    str(pk)
                    for pk in Client.objects.filter(therapist=user)
                    .exclude(status="discharged")
                    .values_list("pk", flat=True)
                ],
            }
        )
    Path(out).write_text(json.dumps(rows), encoding="utf-8")
    print(
        f"seeded {len(rows)} therapists, {report.clients} clients, {report.sessions} sessions",
        file=sys.stderr,
    )


def _note_hash(session) -> str:
    from bench.workload import content_hash

    note = session.note or {}
    return content_hash(
        {
            "mood_affect": session.mood_affect,
            "section_subjective": note.get("subjective", ""),
            "section_objective": note.get("objective", ""),
            "section_assessment": note.get("assessment", ""),
            "plan": session.plan,
        }
    )


class Verdict:
    def __init__(self):
        self.lost: list[str] = []
        self.half_signed: list[str] = []
        self.checked = defaultdict(int)

    def as_dict(self, integrity: str) -> dict:
        return {
            "lost": len(self.lost),
            "lost_details": self.lost[:MAX_DETAILS],
            "half_signed": len(self.half_signed),
            "half_signed_details": self.half_signed[:MAX_DETAILS],
            "integrity": integrity,
            "checked": dict(self.checked),
        }


def _check_drafts(streams: list[list[dict]], verdict: Verdict) -> None:
    from bench.workload import content_hash
    from sessions.models import SessionDraft, TherapySession

    for events in streams:
        by_key = defaultdict(list)
        for event in events:
            if event["kind"] in {"autosave", "save"}:
                by_key[event["key"]].append(event)
        for key, history in by_key.items():
            acked = [i for i, e in enumerate(history) if e["kind"] == "autosave" and e["acked"]]
            if not acked:
                continue
            verdict.checked["drafts"] += 1
            last = history[acked[-1]]
            later = history[acked[-1] + 1 :]
            draft = SessionDraft.objects.filter(pk=key).first()
            if draft is not None:
                stored = content_hash(draft.payload)
                if draft.seq == last["seq"] and stored == last["hash"]:
                    continue
                if draft.seq > last["seq"] and stored in {e["hash"] for e in later}:
                    continue
                verdict.lost.append(
                    f"draft {key}: acknowledged seq {last['seq']}, stored seq {draft.seq} "
                    f"{'with other content' if draft.seq >= last['seq'] else ''}".strip()
                )
                continue
            # Gone: only a successful Save of this form removes it (after storing the note), so
            # the acknowledged text was superseded by that save; the note must show it.
            saves = [e for e in later if e["kind"] == "save"]
            if any(e["acked"] for e in saves):
                continue  # the note's own check covers its content
            hashes = {e["hash"] for e in saves}
            if saves:
                candidates = TherapySession.objects.filter(client_id=last["client"])
                if last["session"]:
                    candidates = candidates.filter(pk=last["session"])
                if any(_note_hash(s) in hashes for s in candidates):
                    continue
                # An edit whose answer was lost, since overtaken by later acknowledged edits of
                # the same note (only this therapist writes it): the note went past its base.
                bases = [e.get("base") for e in saves if e.get("session") and e.get("base")]
                row = candidates.first() if last["session"] else None
                if row is not None and bases and row.version > min(bases):
                    continue
            verdict.lost.append(f"draft {key}: acknowledged seq {last['seq']} is gone")


def _check_notes(streams: list[list[dict]], verdict: Verdict) -> None:
    from sessions.models import NoteStatus, TherapySession

    for events in streams:
        by_session = defaultdict(list)
        for event in events:
            if event.get("session") and event["kind"] in {"save", "sign"}:
                by_session[event["session"]].append(event)
        for session_id, history in by_session.items():
            writes = [i for i, e in enumerate(history) if e["kind"] == "save" and e["acked"]]
            signed = any(e["kind"] == "sign" and e["acked"] for e in history)
            if not writes:
                continue
            verdict.checked["notes"] += 1
            last = history[writes[-1]]
            later = {e["hash"] for e in history[writes[-1] + 1 :] if e["kind"] == "save"}
            row = TherapySession.objects.filter(pk=session_id).first()
            if row is None:
                verdict.lost.append(f"note {session_id}: acknowledged but missing")
                continue
            stored = _note_hash(row)
            if row.version < last["version_after"]:
                verdict.lost.append(
                    f"note {session_id}: version {row.version} is older than the acknowledged "
                    f"{last['version_after']}"
                )
            elif row.version == last["version_after"] and stored != last["hash"]:
                verdict.lost.append(f"note {session_id}: not the acknowledged content")
            elif stored not in {last["hash"], *later}:
                verdict.lost.append(f"note {session_id}: content nobody sent")
            if signed:
                verdict.checked["signatures"] += 1
                if row.status != NoteStatus.SIGNED:
                    verdict.lost.append(f"note {session_id}: acknowledged signature missing")


def _check_signatures(verdict: Verdict) -> None:
    from encryption.errors import EncryptionError
    from sessions.models import NoteStatus, TherapySession

    for row in TherapySession.objects.select_related("client").iterator(chunk_size=500):
        verdict.checked["sessions"] += 1
        parts = [row.signed_at is not None, row.signed_by_id is not None, bool(row.content_hash)]
        if row.status == NoteStatus.SIGNED:
            if not all(parts):
                verdict.half_signed.append(f"note {row.pk}: signed without {parts}")
                continue
            try:
                sealed = row.integrity_ok()
            except EncryptionError as exc:  # unreadable, or refused by the integrity ledger
                verdict.half_signed.append(f"note {row.pk}: {exc.__class__.__name__}")
                continue
            if not sealed:
                verdict.half_signed.append(f"note {row.pk}: seal does not verify")
        elif any(parts):
            verdict.half_signed.append(f"note {row.pk}: draft with signature parts {parts}")


def _audit_chain(verdict: Verdict) -> str:
    """ "" when the audit log's chain is whole and still holds the head seen last time."""
    global _audit_head
    from audit.chain import verify_chain

    report = verify_chain(expected_head=_audit_head)
    verdict.checked["audit_entries"] = report.count
    if not report.ok:
        return f"audit chain {report.summary()}"
    if report.head_seq is not None:
        _audit_head = (report.head_seq, report.head_mac)
    return ""


def _integrity(verdict: Verdict) -> str:
    """ "ok", or what is wrong: SQLite's own checks, every record against the integrity
    ledger (a write and its ledger entry must commit together, also when the server is
    killed), and the audit log's chain (two servers append to it at once)."""
    from django.db import connection

    from integrity.verify import verify

    report = verify()
    problems = [finding.line() for finding in report.findings[:3]]
    if report.chain_break:
        problems.append(report.chain_break)
    ledger = f"ledger: {len(report.findings)} records changed; " + "; ".join(problems)
    ledger = "" if report.ok else ledger
    ledger = "; ".join(part for part in (ledger, _audit_chain(verdict)) if part)
    if connection.vendor != "sqlite":
        return ledger or "ok"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        result = ";".join(str(row[0]) for row in cursor.fetchall())
        cursor.execute("PRAGMA foreign_key_check")
        dangling = cursor.fetchall()
    result = result if not dangling else f"{result}; {len(dangling)} dangling foreign keys"
    return result if not ledger else f"{result}; {ledger}"


def check(ledger_path: str) -> dict:
    from django.db import connections

    streams = json.loads(Path(ledger_path).read_text(encoding="utf-8")) if ledger_path else []
    verdict = Verdict()
    try:
        integrity = _integrity(verdict)
        _check_drafts(streams, verdict)
        _check_notes(streams, verdict)
        _check_signatures(verdict)
    finally:
        connections.close_all()
    return verdict.as_dict(integrity)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    _setup()
    if command == "seed":
        out, therapists, clients, sessions = argv[1], *map(int, argv[2:5])
        seed(out, therapists, clients, sessions)
    elif command == "check":
        print(json.dumps(check(argv[1])))
    elif command == "serve":
        for line in sys.stdin:
            print(json.dumps(check(line.strip())), flush=True)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.exit(main(sys.argv[1:]))
