"""The risk notice a questionnaire raises: "Current risk: PHQ-9 item 9 answered 'Several days'
on 2 Mar 2026", shown on that day's note, on the note form dated that day and on the client's
measures. A risk item (catalogue.Item.risk) answered above its lowest answer raises it."""

import datetime
from dataclasses import dataclass

from django.utils.dateformat import format as format_date

from .models import Administration
from .reports import History, risk_answers_on


@dataclass(frozen=True)
class RiskNotice:
    date: datetime.date
    measure: str  # short name
    item_number: int
    item_text: str
    answer: str  # the option's label

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def text(self) -> str:
        return (
            f"Current risk: {self.measure} item {self.item_number} answered "
            f"'{self.answer}' on {format_date(self.date, 'j M Y')}"
        )


def notices_on(client, day: datetime.date, *, loaded=None) -> list[RiskNotice]:
    """The notices of the questionnaires the client completed on ``day`` (``loaded``: the
    client's questionnaires, reports.client_administrations, when the caller has them)."""
    return [
        _notice(day, measure, item, value)
        for measure, item, value in risk_answers_on(client, day, loaded=loaded)
    ]


def _notice(day: datetime.date, measure, item, value: int) -> RiskNotice:
    return RiskNotice(
        date=day,
        measure=measure.short_name,
        item_number=item.number,
        item_text=item.text,
        answer=measure.option_label(value) or str(value),
    )


def latest_notices(client, histories: list[History], *, loaded=None) -> list[RiskNotice]:
    """The notices of each measure's latest questionnaire (scored or not): a later one without
    a risk answer ends its measure's notice. Only those questionnaires are read again, unless
    the caller has them all (``loaded``: reports.client_administrations, from which
    ``histories`` were drawn)."""
    wanted = {
        history.points[-1].administration_id: history.measure
        for history in histories
        if history.points[-1].risk_items
    }
    if not wanted:
        return []
    if loaded is None:
        rows = Administration.objects.filter(client=client, pk__in=list(wanted))
    else:
        rows = [row for row in loaded if row.pk in wanted and row.client_id == client.pk]
    notices = []
    for row in rows:
        measure = wanted[row.pk]
        for number in row.result.get("risk_items", ()):
            value = row.answers.get(str(number))
            if value is not None:
                notices.append(_notice(row.administered_on, measure, measure.item(number), value))
    return sorted(notices, key=lambda notice: (notice.date, notice.measure, notice.item_number))
