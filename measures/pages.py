"""The client page's "Outcome measures" (plugged into clients.pages when the app is ready): a
compact chart and the latest score of each measure taken, any current risk answer, what is due
today, and the ways to record one (enter it, hand the device to the client, send a link)."""

from django.utils import timezone

from . import charts, reports
from .due import due_for
from .risk import latest_notices
from .views import actions_context, measure_rows

TEMPLATE = "measures/includes/client_section.html"
STYLESHEET = "css/measures.css"


def client_page_measures(request, *, client, sessions) -> dict:
    # Read (and checked against the ledger, and decrypted) once for the charts, the risk
    # notices and what is due.
    loaded = reports.client_administrations(client)
    histories = reports.client_history(client, loaded=loaded)
    section = {
        **actions_context(client),
        "stylesheet": STYLESHEET,
        "rows": measure_rows(histories, charts.COMPACT, tables=False),
        "risk_notices": latest_notices(client, histories, loaded=loaded),
        "due": due_for(client, on=timezone.localdate(), history=histories),
    }
    return {"client_sections": [(TEMPLATE, section)]}
