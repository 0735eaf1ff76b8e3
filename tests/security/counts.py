"""Counts of attack trials and fuzzed inputs, printed to stderr by each test and summed at the
end of the pytest run (tests/security/conftest.py), so a passing run shows how much was tried."""

import sys
from collections import Counter

COUNTS: Counter = Counter()


def report(what: str, n: int) -> None:
    COUNTS[what] += n
    print(f"[security counts] {what}: {n}", file=sys.stderr)
