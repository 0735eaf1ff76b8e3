"""Argon2id at the OWASP minimum, with a bound on how many hashes one process runs at once.

Django's stock Argon2 hasher (100 MiB, t=2, p=8) made twenty simultaneous sign-ins take 8 s and
up to 2 GB in one threaded process (issue 17). This one uses OWASP's 46 MiB, t=1, p=1 and lets at
most ``PASSWORD_HASH_CONCURRENCY`` hashes run in a process at a time; the others wait their
turn, so memory stays at that many times 46 MiB whatever the number of sign-ins.

It keeps ``algorithm = "argon2"``: hashes made with other parameters still verify, and
``must_update()`` (Django's, comparing the stored parameters with these) has the next
successful sign-in store a new hash (docs/SECURITY.md, Passwords).
"""

import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

DEFAULT_CONCURRENCY = 2

_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def hashing_slots() -> threading.BoundedSemaphore:
    """The process's semaphore for the configured number of concurrent hashes."""
    size = getattr(settings, "PASSWORD_HASH_CONCURRENCY", DEFAULT_CONCURRENCY)
    with _slots_lock:
        if size not in _slots:
            _slots[size] = threading.BoundedSemaphore(size)
        return _slots[size]


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 46 MiB, one pass, one lane; at most PASSWORD_HASH_CONCURRENCY at once."""

    # Not OWASP's other minimum (19 MiB, t=2), though faster: glibc keeps freed blocks under
    # 32 MiB in per-thread arenas, so a threaded worker kept ~20 MiB per thread resident whatever
    # the bound. 46 MiB is mapped for each hash and given back at its end.
    time_cost = 1
    memory_cost = 47104  # KiB: 46 MiB
    parallelism = 1

    def encode(self, password, salt):
        with hashing_slots():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        # A stored hash is verified with its own parameters (an old one with 100 MiB): bounded
        # as well.
        with hashing_slots():
            return super().verify(password, encoded)
