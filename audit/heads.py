"""The ``--expect-head SEQ:MAC`` option shared by ``verify_audit`` and ``verify_records``: a head
printed earlier and written down, which must still be there with that mac."""

import re

from django.core.management.base import CommandError

HEAD_PREFIX = 16  # hex digits of a head mac printed for the practice's own record
_HEAD = re.compile(r"(\d+):([0-9a-fA-F]{16,64})…?")


def add_expect_head_argument(parser) -> None:
    parser.add_argument(
        "--expect-head",
        metavar="SEQ:MAC",
        help="A head printed earlier (mac: at least 16 hex digits); fails if that entry is "
        "gone or changed, which catches deletion of the newest entries.",
    )


def expected_head(options: dict) -> tuple[int, str] | None:
    """(seq, mac prefix) from the option, None without it; a readable error if malformed."""
    if not options.get("expect_head"):
        return None
    match = _HEAD.fullmatch(options["expect_head"].strip())
    if not match:
        raise CommandError("--expect-head must be SEQ:MAC, e.g. 1042:3f9a0c1d2e4b5a69.")
    return int(match[1]), match[2]
