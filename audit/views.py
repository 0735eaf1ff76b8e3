import datetime

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .forms import AuditFilterForm
from .models import AuditEvent

PAGE_SIZE = 50


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _filtered(events: QuerySet, filters: dict) -> QuerySet:
    if filters["client"]:
        events = events.filter(client_code=filters["client"])
    if filters["action"]:
        events = events.filter(action=filters["action"])
    if filters["date_from"]:
        events = events.filter(at__gte=_local_midnight(filters["date_from"]))
    if filters["date_to"]:
        next_day = filters["date_to"] + datetime.timedelta(days=1)
        events = events.filter(at__lt=_local_midnight(next_day))
    return events


@require_http_methods(["GET"])
def audit_log(request: HttpRequest) -> HttpResponse:
    """The signed-in therapist's own audit entries, newest first."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.filter(user_id=request.user.pk).order_by("-at", "-seq")
    if form.is_bound:
        # A filter that cannot be applied shows nothing rather than everything.
        events = _filtered(events, form.cleaned_data) if form.is_valid() else events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = form.is_bound and any(form.data.get(name) for name in form.fields)
    return render(
        request,
        "audit/audit_log.html",
        {
            "form": form,
            "page": page,
            "filtered": filtered,
            "filter_errors": form.error_lines() if form.is_bound else [],
        },
    )
