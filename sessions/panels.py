"""What apps above sessions show on its pages, without sessions importing them.

Three slots, each filled by providers that an app registers when Django starts (its
``AppConfig.ready``), in the order they registered:

- ``"dashboard"``: called with ``request``; answers a list of (template name, context) pairs,
  each included on the dashboard after today's appointments as ``panel`` (e.g. the measures
  needing attention, treatment plans due for review).
- ``"note"``: called with ``request`` and ``session``; answers (template name, context) pairs
  included on the note's page as ``panel`` (e.g. a PHQ-9 item 9 risk flag for that day, the
  plan progress recorded with the note).
- ``"appointment_marks"``: called with ``request`` and ``appointments``; answers a dict from an
  appointment's id to a list of short labels shown beside it in today's list (e.g. "PHQ-9
  due"). Labels are plain text (escaped when shown).

Without any provider the pages have no panels and no marks.
"""

from collections.abc import Callable

Panel = tuple[str, dict]
SLOTS = ("dashboard", "note", "appointment_marks")

_providers: dict[str, list[Callable]] = {slot: [] for slot in SLOTS}


def register(slot: str, provider: Callable) -> None:
    if slot not in _providers:
        raise ValueError(f"No panel slot {slot!r}; the slots are {', '.join(SLOTS)}.")
    if provider not in _providers[slot]:
        _providers[slot].append(provider)


def panels(slot: str, **kwargs) -> list[Panel]:
    """Every provider's panels for ``slot`` ("dashboard" or "note")."""
    found: list[Panel] = []
    for provider in _providers[slot]:
        found += provider(**kwargs)
    return found


def mark_appointments(request, appointments: list) -> None:
    """Set ``marks`` (a list of labels) on each appointment, from every provider."""
    for appointment in appointments:
        appointment.marks = []
    if not appointments:
        return
    by_id = {appointment.pk: appointment for appointment in appointments}
    for provider in _providers["appointment_marks"]:
        for pk, labels in provider(request=request, appointments=appointments).items():
            if pk in by_id:
                by_id[pk].marks.extend(labels)
