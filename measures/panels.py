"""What the measures app shows on the sessions app's pages (sessions.panels and
sessions.form_aids, registered in MeasuresConfig.ready):

- the dashboard: the clients whose scores need attention (a count and the first few);
- today's appointments: "PHQ-9 due" beside each appointment with a questionnaire due that day;
- a note: the risk notice of a questionnaire completed on the note's day (PHQ-9 item 9
  answered above "Not at all");
- the note form: the same notice for the day the form shows, and for the days around it, so
  that the page script can show the right one when the date is changed.
"""

import contextlib
import datetime

from django.utils import timezone

from sessions.models import TherapySession

from . import reports
from .due import due_by_appointment
from .risk import notices_on
from .views import attention_row

DASHBOARD_SHOWN = 5
# The note form looks this many days back for questionnaires with a risk answer.
FORM_DAYS_BACK = 60


def dashboard_attention(*, request) -> list[tuple[str, dict]]:
    clients = reports.attention_clients(request.user, with_questionnaires_only=True)
    found = reports.needing_attention(request.user, today=timezone.localdate(), clients=clients)
    if not found:
        return []
    return [
        (
            "measures/panels/dashboard_attention.html",
            {
                "count": len(found),
                "items": [attention_row(item) for item in found[:DASHBOARD_SHOWN]],
            },
        )
    ]


def appointment_marks(*, request, appointments) -> dict:
    return {
        pk: [f"{measure.short_name} due" for measure in measures]
        for pk, measures in due_by_appointment(request.user, appointments).items()
    }


def note_risk(*, request, session) -> list[tuple[str, dict]]:
    notices = notices_on(session.client, session.date)
    if not notices:
        return []
    return [("measures/panels/note_risk.html", {"notices": notices})]


def _form_days(request) -> set[datetime.date]:
    """The days the note form may show besides recent ones: the edited note's, the posted."""
    days = set()
    match = request.resolver_match
    if match is not None and match.url_name == "session_edit":
        stored = (
            TherapySession.objects.for_therapist(request.user)
            .filter(pk=match.kwargs.get("pk"))
            .values_list("date", flat=True)
            .first()
        )
        if stored is not None:
            days.add(stored)
    posted = request.POST.get("date", "") if request.method == "POST" else ""
    with contextlib.suppress(ValueError):
        days.add(datetime.date.fromisoformat(posted))
    return days


def form_risk(*, request, client, note_format) -> list[tuple[str, dict]]:
    """The risk notices of the last FORM_DAYS_BACK days and of the day the form holds: the
    page shows the one of the day in its date field (the template compares; the page script
    static/js/measures_risk.js follows changes to the field)."""
    today = timezone.localdate()
    since = today - datetime.timedelta(days=FORM_DAYS_BACK)
    wanted = _form_days(request)
    loaded = reports.client_administrations(client)  # read once for every day
    days = sorted(
        {
            point.date
            for history in reports.client_history(client, loaded=loaded)
            for point in history.points
            if point.risk_items and (since <= point.date <= today or point.date in wanted)
        }
    )
    notices = [notice for day in days for notice in notices_on(client, day, loaded=loaded)]
    if not notices:
        return []
    return [("measures/panels/form_risk.html", {"notices": notices})]
