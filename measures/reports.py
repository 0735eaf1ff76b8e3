"""What the stored questionnaires say over time, for the client page, the caseload list, the
case summary and the bench: each client's scores per measure with reliable change, the clients
needing attention, and the risk answers of a day.

Reading is one query for a client's (or a caseload's) questionnaires; each row is checked
against the integrity ledger with the others and decrypted once. The callers have already
limited the clients to the signed-in therapist's (``for_therapist``); ``needing_attention``
does so itself.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from clients.models import Client, ClientStatus

from . import catalogue
from .catalogue import Item, Measure
from .change import WORSENED, reliable_change
from .models import Administration

ATTENTION_WEEKS = 8


@dataclass(frozen=True)
class Point:
    administration_id: UUID
    date: datetime.date
    total: float | None
    status: str
    band_label: str
    above_cutoff: bool | None
    change_from_previous: str | None  # reliable change vs the previous scored point
    change_from_first: str | None  # vs the first scored point (the baseline)
    risk_items: tuple[int, ...]
    source: str


@dataclass(frozen=True)
class History:
    measure: Measure
    points: tuple[Point, ...]  # oldest first

    @property
    def scored(self) -> tuple[Point, ...]:
        """The points with a total (complete or prorated)."""
        return tuple(point for point in self.points if point.total is not None)

    @property
    def baseline(self) -> Point | None:
        scored = self.scored
        return scored[0] if scored else None

    @property
    def latest(self) -> Point | None:
        scored = self.scored
        return scored[-1] if scored else None


@dataclass(frozen=True)
class Attention:
    client: Client
    measure: Measure
    point: Point
    reason: str  # "worsened reliably since <date>" / "above cut-off and unchanged for N weeks"


def _loaded(queryset) -> list[Administration]:
    return list(queryset.order_by("created_at"))


def _histories(administrations: list[Administration]) -> list[History]:
    """One History per measure, in catalogue order; questionnaires whose file is no longer
    installed are left out (they cannot be scored or drawn)."""
    measures = catalogue.all_measures()
    groups: dict[str, list[Administration]] = defaultdict(list)
    for administration in administrations:
        if administration.measure in measures:
            groups[administration.measure].append(administration)
    order = list(measures)
    histories = []
    for slug in sorted(groups, key=order.index):
        measure = measures[slug]
        rows = sorted(groups[slug], key=lambda row: (row.administered_on, row.created_at))
        histories.append(History(measure=measure, points=_points(measure, rows)))
    return histories


def _points(measure: Measure, rows: list[Administration]) -> tuple[Point, ...]:
    points = []
    first = previous = None
    for row in rows:
        result = row.result
        total = result.get("total")
        point = Point(
            administration_id=row.pk,
            date=row.administered_on,
            total=total,
            status=result.get("status", ""),
            band_label=result.get("band", ""),
            above_cutoff=result.get("above_cutoff"),
            change_from_previous=reliable_change(measure, previous, total),
            change_from_first=reliable_change(measure, first, total),
            risk_items=tuple(result.get("risk_items", ())),
            source=row.source,
        )
        points.append(point)
        if total is not None:
            previous = total
            if first is None:
                first = total
    return tuple(points)


def client_administrations(client) -> list[Administration]:
    """The client's questionnaires, checked against the ledger together, for a page that needs
    more than the scores (the risk answers): it passes them on as ``loaded`` rather than have
    each part read, check and decrypt them again."""
    return _loaded(Administration.objects.filter(client=client))


def client_history(client, *, loaded: list[Administration] | None = None) -> list[History]:
    """The client's scores, one History per measure taken, in catalogue order (from ``loaded``,
    the client's ``client_administrations``, when given)."""
    return _histories(client_administrations(client) if loaded is None else loaded)


def histories_for(clients) -> dict:
    """{client id: [History, ...]} for several clients, in one query (caseload pages); a
    client with no questionnaire has an empty list."""
    ids = [getattr(client, "pk", client) for client in clients]
    by_client: dict = {client_id: [] for client_id in ids}
    rows: dict = defaultdict(list)
    for administration in _loaded(Administration.objects.filter(client_id__in=ids)):
        rows[administration.client_id].append(administration)
    for client_id, administrations in rows.items():
        by_client[client_id] = _histories(administrations)
    return by_client


# --- the caseload list ------------------------------------------------------------------------


def attention_clients(user, *, with_questionnaires_only: bool = False) -> list[Client]:
    """The clients the caseload list looks at: the therapist's active ones. With
    ``with_questionnaires_only``, those who have taken a questionnaire: no other can need
    attention, and the dashboard's panel (on every visit) then does not load, check and decrypt
    the whole caseload again (the attention page checks every active client's records)."""
    clients = Client.objects.for_therapist(user).filter(status=ClientStatus.ACTIVE)
    if with_questionnaires_only:
        clients = clients.filter(pk__in=Administration.objects.values("client_id"))
    return list(clients)


def needing_attention(user, *, today: datetime.date, clients=None) -> list[Attention]:
    """The therapist's active clients (``clients``, from ``attention_clients``, when given)
    whose last score on a measure (up to ``today``)
    - worsened reliably against the previous score or the baseline, or
    - is at or above the cut-off, as was a score at least 8 weeks earlier, with every score in
      between also at or above it and no reliable change between the two.
    One entry per client and measure, worsening first, then by client name."""
    clients = {
        client.pk: client for client in (attention_clients(user) if clients is None else clients)
    }
    found = []
    for client_id, histories in histories_for(clients).items():
        for history in histories:
            attention = _attention(clients[client_id], history, today)
            if attention is not None:
                found.append(attention)
    order = list(catalogue.all_measures())
    return sorted(
        found,
        key=lambda item: (
            not item.reason.startswith("worsened"),
            item.client.sort_key(),
            order.index(item.measure.slug),
        ),
    )


def _attention(client, history: History, today: datetime.date) -> Attention | None:
    scored = [point for point in history.scored if point.date <= today]
    if not scored:
        return None
    last = scored[-1]
    if len(scored) > 1:
        previous, first = scored[-2], scored[0]
        if last.change_from_previous == WORSENED:
            return _worse(client, history, last, previous)
        if last.change_from_first == WORSENED:
            return _worse(client, history, last, first)
    if not last.above_cutoff:
        return None
    # Days between two dates, never a date minus weeks: that overflows for a day in year 1 (a
    # typo stored before the services refused days before 1900).
    earlier = [
        point for point in scored[:-1] if (last.date - point.date).days >= 7 * ATTENTION_WEEKS
    ]
    if not earlier:
        return None
    start = earlier[-1]
    span = scored[scored.index(start) :]
    unchanged = reliable_change(history.measure, start.total, last.total) is None
    if unchanged and all(point.above_cutoff for point in span):
        weeks = (last.date - start.date).days // 7
        return Attention(
            client=client,
            measure=history.measure,
            point=last,
            reason=f"above cut-off and unchanged for {weeks} weeks",
        )
    return None


def _worse(client, history: History, last: Point, since: Point) -> Attention:
    return Attention(
        client=client,
        measure=history.measure,
        point=last,
        reason=f"worsened reliably since {_day(since.date)}",
    )


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- risk -------------------------------------------------------------------------------------


def risk_answers_on(
    client, day: datetime.date, *, loaded: list[Administration] | None = None
) -> list[tuple[Measure, Item, int]]:
    """The risk items (PHQ-9 item 9, CORE-10 item 6) the client answered above the lowest
    answer in questionnaires completed on ``day``, with the answer given (from ``loaded``, the
    client's ``client_administrations``, when given)."""
    measures = catalogue.all_measures()
    found = []
    for administration in client_administrations(client) if loaded is None else loaded:
        if administration.administered_on != day:
            continue
        measure = measures.get(administration.measure)
        if measure is None:
            continue
        answers = administration.answers
        for number in administration.result.get("risk_items", ()):
            value = answers.get(str(number))
            if value is not None:
                found.append((measure, measure.item(number), value))
    return found
