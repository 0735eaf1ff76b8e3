"""Giving memory back to the system when indexes go (docs/search.md, "Memory").

An index is a few thousand SQLite pages allocated one by one; a snapshot is one buffer of tens
of MB. glibc's malloc keeps what is freed for reuse, so a worker that evicted an index (or
replaced one by a newer snapshot) would keep its resident size at the high-water mark.
``allocator_tuned`` (once per process) keeps large buffers in their own mappings, returned
whole when freed, instead of letting the threshold grow until they land in the heap, and limits
the arenas threads add; ``release`` asks malloc to return the free pages of every arena. On a
system without glibc both do nothing.
"""

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 1 << 20  # buffers of 1 MiB or more in their own mapping
ARENA_MAX = 2


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 (glibc only)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def allocator_tuned() -> bool:
    """Fix the mmap threshold and the number of arenas (glibc); whether it could."""
    if _LIBC is None:
        return False
    return bool(
        _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and _LIBC.mallopt(M_ARENA_MAX, ARENA_MAX)
    )


def release() -> bool:
    """Return free memory to the system (glibc's malloc_trim); whether any was returned."""
    if _LIBC is None:
        return False
    return bool(_LIBC.malloc_trim(0))
