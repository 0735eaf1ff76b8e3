"""The therapist's measures pages: a client's measures (charts and tables), entering a
questionnaire, the measures due, the measures above the theme timeline, and the caseload list
of clients whose scores need attention. Writes go through measures.services."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from clients.models import Client
from integrity.check import check_children
from sessions.models import TherapySession
from themes import analytics
from themes.models import Theme

from . import catalogue, charts, reports, services
from .due import due_for
from .forms import AnswersForm, ScheduleForm
from .models import AdministrationSource, MeasureSchedule
from .risk import latest_notices
from .scoring import STATUS_LABELS, Status

SOURCE_LABELS = dict(AdministrationSource.choices)
CHANGE_LABELS = {"worsened": "▲ reliably worse", "improved": "▼ reliably better"}


def client_or_404(request: HttpRequest, client_pk) -> Client:
    return get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)


def checked_client_or_404(request: HttpRequest, client_pk) -> Client:
    """The client, whose rows must be those the integrity ledger places under it: a
    questionnaire (or note) deleted or moved in outside the app is refused (409, as on the
    client page) before any score is drawn without it."""
    client = client_or_404(request, client_pk)
    check_children(client)
    return client


def measure_or_404(slug: str) -> catalogue.Measure:
    try:
        return catalogue.get_measure(slug)
    except KeyError:
        raise Http404("No such questionnaire.") from None


def score_text(total, status: str, band: str) -> str:
    """ "14 (Moderate)", "13 (Mild, prorated)" or "incomplete"."""
    if total is None or status == Status.INCOMPLETE:
        return "incomplete"
    details = [band] if band else []
    if status == Status.PRORATED:
        details.append("prorated")
    return f"{total:g}" + (f" ({', '.join(details)})" if details else "")


def table_rows(history: reports.History) -> list[dict]:
    """The chart's figures, newest first, for the table under it."""
    return [
        {
            "point": point,
            "score": score_text(point.total, point.status, point.band_label),
            "status": STATUS_LABELS.get(point.status, point.status),
            "change": CHANGE_LABELS.get(point.change_from_previous or "", ""),
            "source": SOURCE_LABELS.get(point.source, point.source),
        }
        for point in reversed(history.points)
    ]


def measure_rows(
    histories: list[reports.History], size: charts.Size, *, tables: bool = True
) -> list[dict]:
    """Per measure: its chart, its latest score and (with ``tables``) the table's rows."""
    return [
        {
            "history": history,
            "chart": charts.measure_chart(history, size),
            "latest": history.latest,
            "latest_score": score_text(
                history.latest.total, history.latest.status, history.latest.band_label
            )
            if history.latest
            else "incomplete",
            "rows": table_rows(history) if tables else [],
        }
        for history in histories
    ]


def actions_context(client: Client) -> dict:
    """What the pages offering "Record", "Hand to client" and "Make a link" need."""
    return {
        "client": client,
        "measures": list(catalogue.all_measures().values()),
        "links_enabled": settings.MEASURES_CLIENT_LINKS,
    }


@require_http_methods(["GET"])
def client_measures(request: HttpRequest, client_pk) -> HttpResponse:
    client = checked_client_or_404(request, client_pk)
    log_event(action=Action.VIEW_MEASURES, request=request, obj=client, client=client)
    histories = reports.client_history(client)
    return render(
        request,
        "measures/client_measures.html",
        {
            **actions_context(client),
            "rows": measure_rows(histories, charts.FULL),
            "risk_notices": latest_notices(client, histories),
            "due": due_for(client, on=timezone.localdate(), history=histories),
        },
    )


@require_http_methods(["GET"])
def measure_choose(request: HttpRequest, client_pk) -> HttpResponse:
    client = client_or_404(request, client_pk)
    return render(request, "measures/measure_choose.html", actions_context(client))


@require_http_methods(["GET", "POST"])
def measure_record(request: HttpRequest, client_pk, slug: str) -> HttpResponse:
    client = client_or_404(request, client_pk)
    measure = measure_or_404(slug)
    form = AnswersForm(
        request.POST if request.method == "POST" else None, measure=measure, client=client
    )
    if request.method == "POST" and form.is_valid():
        try:
            administration = services.record_administration(
                client=client,
                measure_slug=measure.slug,
                answers=form.answers(),
                administered_on=form.cleaned_data["administered_on"],
                user=request.user,
                request=request,
                form_key=form.form_key(),
            )
        except services.AlreadyRecorded:
            messages.info(request, f"That {measure.short_name} was already recorded (sent twice).")
            return redirect(reverse("client_detail", args=[client.pk]) + "#outcome-measures")
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            score = score_text(
                administration.total, administration.status, administration.band_label
            )
            messages.success(
                request,
                f"{measure.short_name} of {administration.administered_on:%d %b %Y} recorded: "
                f"{score}.",
            )
            return redirect(reverse("client_detail", args=[client.pk]) + "#outcome-measures")
    return render(
        request,
        "measures/measure_form.html",
        {"client": client, "measure": measure, "form": form},
        status=200,
    )


@require_http_methods(["GET", "POST"])
def measure_schedule(request: HttpRequest, client_pk) -> HttpResponse:
    client = client_or_404(request, client_pk)
    measures = catalogue.all_measures()
    schedule = MeasureSchedule.objects.for_therapist(request.user).filter(client=client).first()
    current = dict(schedule.due) if schedule else {}
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        measures=measures,
        initial={slug: current.get(slug, "") for slug in measures},
    )
    if request.method == "POST" and form.is_valid():
        services.set_schedule(client=client, user=request.user, due=form.due(), request=request)
        messages.success(request, "Measures due saved.")
        return redirect(reverse("client_detail", args=[client.pk]) + "#outcome-measures")
    return render(
        request,
        "measures/measure_schedule.html",
        {"client": client, "form": form, "unknown": sorted(set(current) - set(measures))},
    )


@require_http_methods(["GET"])
def client_progress(request: HttpRequest, client_pk) -> HttpResponse:
    """The measures above the theme heat strip, on one date axis."""
    client = checked_client_or_404(request, client_pk)
    # Shows the client's scores and which themes their sessions touched.
    log_event(action=Action.VIEW_MEASURES, request=request, obj=client, client=client)
    histories = reports.client_history(client)
    sessions = analytics.load_theme_links(TherapySession.objects.filter(client=client))
    themes = Theme.objects.available_to(request.user).in_bulk()
    line = analytics.timeline(sessions, themes)
    recurring = {s.theme_id for s in analytics.theme_stats(sessions) if s.recurring}
    return render(
        request,
        "measures/client_progress.html",
        {
            "client": client,
            "chart": charts.combined_chart(histories, line, recurring, client.code),
            "has_themes": bool(line.rows),
            "session_total": len(sessions),
            "rows": measure_rows(histories, charts.COMPACT),
        },
    )


@require_http_methods(["GET"])
def measures_attention(request: HttpRequest) -> HttpResponse:
    clients = reports.attention_clients(request.user)
    # Every listed client's questionnaires as the ledger knows them, in two queries for all.
    check_children(*clients)
    found = reports.needing_attention(request.user, today=timezone.localdate(), clients=clients)
    return render(
        request,
        "measures/measures_attention.html",
        {"items": [attention_row(item) for item in found]},
    )


def attention_row(item: reports.Attention) -> dict:
    point = item.point
    return {
        "client": item.client,
        "measure": item.measure,
        "point": point,
        "score": score_text(point.total, point.status, point.band_label),
        "reason": item.reason,
    }
