"""The audit log's HMAC chain.

Each entry's mac is HMAC-SHA256, under the audit key, of a canonical JSON array of its fields
and the previous entry's mac (64 zeros for the first entry). Changing, removing, inserting or
moving an entry breaks the chain at that point; only removing the newest entries does not, which
is why ``verify_chain`` reports the head for the practice to write down.
"""

import datetime
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256

from .heads import HEAD_PREFIX
from .keys import get_audit_key
from .models import AuditEvent

GENESIS_MAC = "0" * 64
FORMAT_VERSION = "audit-v1"
# The signed fields, in signing order. ``id`` is not signed: it is assigned by the database
# after the mac is computed (verify_chain checks its order separately).
SIGNED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "client_code",
    "ip_address",
    "outcome",
)


def canonical(values: dict, prev_mac: str) -> bytes:
    """The exact bytes the mac covers; ``values`` holds SIGNED_FIELDS."""
    at = values["at"].astimezone(datetime.UTC).isoformat(timespec="microseconds")
    fields = [at if name == "at" else values[name] for name in SIGNED_FIELDS]
    items = [FORMAT_VERSION, *fields, prev_mac]
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()


def compute_mac(values: dict, prev_mac: str, key: bytes | None = None) -> str:
    return hmac.new(key or get_audit_key(), canonical(values, prev_mac), sha256).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_seq: int | None = None
    head_mac: str = ""
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason

    def summary(self) -> str:
        if not self.ok:
            where = f"entry seq {self.broken_seq} (id {self.broken_id})"
            if self.broken_seq is None:
                where = "log"
            return f"broken: {where}: {self.reason}"
        if not self.count:
            return "ok: 0 entries (the log is empty)"
        return (
            f"ok: {self.count} entries, head seq {self.head_seq} mac {self.head_mac[:HEAD_PREFIX]}…"
        )


def verify_chain(
    rows: Iterable[dict] | None = None,
    *,
    key: bytes | None = None,
    expected_head: tuple[int, str] | None = None,
) -> ChainReport:
    """Walk the log in seq order and report the first broken link, or the count and head.

    ``expected_head`` is a (seq, mac prefix) once printed as the head: the entry must still be
    there with that mac, which is how removal of the newest entries is caught.
    """
    key = key or get_audit_key()
    if rows is None:
        rows = (
            AuditEvent.objects.order_by("seq")
            .values("id", "prev_mac", "mac", *SIGNED_FIELDS)
            .iterator(chunk_size=2000)
        )
    count, previous, head_seen = 0, None, expected_head is None
    for row in rows:
        reason = _link_problem(row, previous, key)
        if reason:
            return ChainReport(count, broken_seq=row["seq"], broken_id=row["id"], reason=reason)
        if expected_head and row["seq"] == expected_head[0]:
            if not row["mac"].startswith(expected_head[1].lower()):
                return ChainReport(
                    count,
                    broken_seq=row["seq"],
                    broken_id=row["id"],
                    reason="mac differs from the head recorded earlier (entry replaced)",
                )
            head_seen = True
        count, previous = count + 1, row
    if not head_seen:
        return ChainReport(
            count,
            reason=f"the recorded head seq {expected_head[0]} is missing "
            "(the newest entries were deleted)",
        )
    if previous is None:
        return ChainReport(0)
    return ChainReport(count, head_seq=previous["seq"], head_mac=previous["mac"])


def _link_problem(row: dict, previous: dict | None, key: bytes) -> str:
    expected_seq = previous["seq"] + 1 if previous else 1
    if row["seq"] != expected_seq:
        return f"gap in seq: expected {expected_seq}, found {row['seq']} (entries deleted)"
    if previous and row["id"] <= previous["id"]:
        return (
            f"out of order: id {row['id']} follows id {previous['id']} in seq order "
            "(entries reordered)"
        )
    expected_prev = previous["mac"] if previous else GENESIS_MAC
    if not _same(row["prev_mac"], expected_prev):
        return (
            "previous-link mismatch (the entry before it was replaced, "
            "or this entry comes from another chain)"
        )
    if not _same(row["mac"], compute_mac(row, row["prev_mac"], key)):
        return "mac mismatch (entry edited, or inserted without the key)"
    return ""


def _same(stored: str, expected: str) -> bool:
    # Bytes: compare_digest refuses non-ASCII str, and a tampered column may hold anything.
    return hmac.compare_digest(stored.encode(), expected.encode())
