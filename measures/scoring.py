"""Scoring one completed questionnaire: the total, its status, band and cut-off, and the risk
items answered. Pure functions of a ``catalogue.Measure`` and the answers, nothing stored."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .catalogue import Band, Item, Measure


class Status:
    COMPLETE = "complete"
    PRORATED = "prorated"
    INCOMPLETE = "incomplete"


STATUS_LABELS = {
    Status.COMPLETE: "Complete",
    Status.PRORATED: "Prorated",
    Status.INCOMPLETE: "Incomplete",
}


@dataclass(frozen=True)
class Score:
    total: float | None  # None when incomplete
    status: str  # "complete" | "prorated" | "incomplete"
    answered: int
    band: Band | None
    above_cutoff: bool | None  # at or above the cut-off; None without a total or a cut-off
    risk_items: tuple[Item, ...]  # risk items answered above the lowest answer


def validate_answers(measure: Measure, answers: dict) -> dict[int, int | None]:
    """Every item of ``measure`` (in order) with its answer or None. Keys may be item numbers or
    their digits as text (as stored in JSON). Raises ValueError("Item 3: ...") for an item the
    measure does not have or an answer that is not one of its options."""
    values = {option.value for option in measure.options}
    numbers = {item.number for item in measure.items}
    checked: dict[int, int | None] = dict.fromkeys(sorted(numbers))
    for key, value in answers.items():
        number = _number(key)
        if number not in numbers:
            raise ValueError(f"Item {key}: {measure.short_name} has no such item.")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in values:
            low, high = measure.min_option, measure.max_option
            raise ValueError(f"Item {number}: the answer must be one of {low} to {high}.")
        checked[number] = value
    return checked


def _number(key) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.isascii() and key.isdigit():
        return int(key)
    return None


def score(measure: Measure, answers: dict) -> Score:
    """The score of ``answers`` (item number -> answer or None). Reverse items count
    (lowest + highest option) - answer. With at most ``prorate_max_missing`` items unanswered
    the total is prorated (the sum scaled to all items, rounded half up to
    ``prorate_decimals``); with more, it is incomplete. Risk items are reported whatever the
    total's status: a risk answer on a half-filled form still matters."""
    checked = validate_answers(measure, answers)
    given = {number: value for number, value in checked.items() if value is not None}
    flip = measure.min_option + measure.max_option
    points = sum(
        flip - given[item.number] if item.reverse else given[item.number]
        for item in measure.items
        if item.number in given
    )
    missing = len(measure.items) - len(given)
    if missing == 0:
        total, status = float(points), Status.COMPLETE
    elif given and missing <= measure.prorate_max_missing:
        scaled = Decimal(points) * len(measure.items) / len(given)
        step = Decimal(1).scaleb(-measure.prorate_decimals)
        total, status = float(scaled.quantize(step, rounding=ROUND_HALF_UP)), Status.PRORATED
    else:
        total, status = None, Status.INCOMPLETE
    above = None
    if total is not None and measure.cutoff is not None:
        above = total >= measure.cutoff
    risk = tuple(
        item
        for item in measure.items
        if item.risk and given.get(item.number, measure.min_option) > measure.min_option
    )
    return Score(
        total=total,
        status=status,
        answered=len(given),
        band=measure.band_for(total),
        above_cutoff=above,
        risk_items=risk,
    )


def answers_for_total(measure: Measure, total: int, *, risk: int | None = None) -> dict[int, int]:
    """Answers that score ``total`` (complete), for the demo's stories and for tests: the items
    filled one by one from the first, risk items answered ``risk`` (counted in the total), or,
    with ``risk=None``, filled last and only as far as the total needs."""
    low, high = measure.min_option, measure.max_option
    flip = low + high
    answers = {item.number: (flip - low if item.reverse else low) for item in measure.items}
    remaining = total - measure.min_score
    fill = [item for item in measure.items if not item.risk]
    if risk is None:
        fill += measure.risk_items
    else:
        for item in measure.risk_items:
            answers[item.number] = risk
            remaining -= risk - low
    for item in fill:
        step = max(0, min(high - low, remaining))
        answers[item.number] = flip - (low + step) if item.reverse else low + step
        remaining -= step
    if remaining != 0 or score(measure, answers).total != total:
        raise ValueError(f"{measure.short_name} cannot score {total} this way.")
    return answers
