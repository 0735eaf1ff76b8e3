"""Reliable and clinically significant change (Jacobson & Truax 1991), for measures on which a
higher score is worse (all the built-in ones; docs/measures.md)."""

from .catalogue import Measure

IMPROVED = "improved"
WORSENED = "worsened"


def reliable_change(measure: Measure, before: float | None, after: float | None) -> str | None:
    """ "improved" when the score fell by more than the measure's reliable change index,
    "worsened" when it rose by more, else None (also when either score is missing)."""
    if before is None or after is None:
        return None
    difference = after - before
    if difference < -measure.rci_threshold:
        return IMPROVED
    if difference > measure.rci_threshold:
        return WORSENED
    return None


def clinically_significant(measure: Measure, before: float | None, after: float | None) -> bool:
    """Reliable improvement that also crosses from at or above the cut-off to below it."""
    if measure.cutoff is None or before is None or after is None:
        return False
    return (
        reliable_change(measure, before, after) == IMPROVED
        and before >= measure.cutoff
        and after < measure.cutoff
    )
