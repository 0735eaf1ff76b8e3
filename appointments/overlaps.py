"""Which appointments of a list overlap one another (clashes are shown, never refused)."""

from .models import BUSY_STATUSES


def overlapping(appointments) -> dict:
    """{appointment id: [the others it overlaps]}, among the held ones of ``appointments``."""
    held = sorted(
        (item for item in appointments if item.status in BUSY_STATUSES), key=lambda a: a.start
    )
    found: dict = {}
    for index, item in enumerate(held):
        for other in held[index + 1 :]:
            if other.start >= item.end:
                break
            found.setdefault(item.pk, []).append(other)
            found.setdefault(other.pk, []).append(item)
    return found
