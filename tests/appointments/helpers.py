"""What the appointments tests share: booking through the one door."""

import datetime

from appointments import clock, services
from appointments.recurrence import Repeat


def book(
    client, day: datetime.date, at=datetime.time(10, 0), *, repeat: Repeat | None = None, **details
):
    return services.schedule(
        therapist=client.therapist,
        client=client,
        start=clock.aware(day, at),
        details=services.Details(**details),
        repeat=repeat,
    )
