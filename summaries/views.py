from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event
from clients import services as client_services
from clients.models import Client, DisclosureKind

from . import jobs
from .export import build_export_zip
from .forms import ExportForm, SummaryForm
from .job_views import start_in_background
from .services import build_case_summary, page_size, record_summary, summary_filename


@never_cache
@sensitive_post_parameters("passphrase", "passphrase_confirm", "process_notes_reason", "purpose")
@require_http_methods(["GET", "POST"])
def case_summary(request: HttpRequest, client_pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)
    jobs.discard_expired()  # prepared files are kept an hour at most
    form = SummaryForm(request.POST if request.method == "POST" else None, client=client)
    if request.method == "POST":
        if form.is_valid():
            options = form.options(page_size())
            if jobs.too_large_for_request(client, options):
                return start_in_background(request, client=client, options=options, form=form)
            pdf = build_case_summary(client=client, therapist=request.user, options=options)
            record_summary(client=client, user=request.user, options=options, request=request)
            response = HttpResponse(pdf, content_type="application/pdf")
            filename = summary_filename(
                client, timezone.localdate(), de_identified=options.de_identified
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["Cache-Control"] = "no-store"
            return response
        message = "The summary was not made: please correct the marked fields."
        if request.POST.get("passphrase"):
            message += (
                " Type the passphrase again in both boxes: it is never sent back to the page."
            )
        messages.error(request, message)
    return render(request, "summaries/summary_form.html", {"form": form, "client": client})


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def client_export(request: HttpRequest, pk) -> HttpResponse:
    """The client's whole record as one ZIP (export.py), recorded as a disclosure."""
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=pk)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        include = form.cleaned_data["include_process_notes"]
        reason = form.cleaned_data["reason"].strip() if include else ""
        archive = build_export_zip(
            client, exporter=request.user, include_process_notes=include, reason=reason
        )
        client_services.record_disclosure(
            client=client,
            user=request.user,
            kind=DisclosureKind.EXPORT,
            includes_process_notes=include,
            process_notes_reason=reason,
        )
        log_event(action=Action.EXPORT_RECORD, request=request, obj=client, client=client)
        response = HttpResponse(archive, content_type="application/zip")
        filename = f"{client.code}-export-{timezone.localdate().isoformat()}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "clients/client_export.html", {"form": form, "client": client})
