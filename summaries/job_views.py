"""The pages of a large case summary made outside the request (jobs.py): waiting for it,
downloading it once, or deleting it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clients.models import Client

from . import jobs
from .limits import AlreadyPreparing, TooManyBuilds
from .models import KEPT_FOR, PreparedStatus, PreparedSummary
from .pdf import SummaryOptions
from .services import summary_filename

POLL_SECONDS = 2


def start_in_background(
    request: HttpRequest, *, client: Client, options: SummaryOptions, form
) -> HttpResponse:
    """The waiting page of a new build, or of the one already running for this client; the
    summary form again, with the reason, when no build may start now (limits.py)."""
    try:
        job = jobs.prepare_summary(client=client, user=request.user, options=options)
    except AlreadyPreparing as already:
        job = already.job
        asked_at = timezone.localtime(job.created_at)
        messages.warning(
            request,
            f"Nothing new was started: the summary of {client.code} you asked for at "
            f"{asked_at:%H:%M} is still being prepared, with the options (and passphrase) "
            "chosen then. To change them, delete it and ask again.",
        )
    except TooManyBuilds as refused:
        message = f"The summary was not made. {refused.message}"
        if request.POST.get("passphrase"):
            message += " Type the passphrase again then: it is never sent back to the page."
        messages.error(request, message)
        context = {"form": form, "client": client}
        return render(request, "summaries/summary_form.html", context)
    return redirect(job)


def _job(request: HttpRequest, pk) -> PreparedSummary:
    jobs.discard_expired()
    mine = PreparedSummary.objects.for_therapist(request.user).select_related("client")
    return get_object_or_404(mine, pk=pk)


@never_cache
@require_GET
def prepared_summary(request: HttpRequest, pk) -> HttpResponse:
    job = _job(request, pk)
    context = {
        "job": job,
        "client": job.client,
        "status": job.shown_status(),
        "statuses": PreparedStatus,
        "kept_minutes": int(KEPT_FOR.total_seconds() // 60),
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "summaries/summary_job.html", context)


@never_cache
@require_GET
def prepared_summary_status(request: HttpRequest, pk) -> JsonResponse:
    """For the waiting page's script: the status only."""
    return JsonResponse({"status": _job(request, pk).shown_status()})


@never_cache
@require_POST
def prepared_summary_download(request: HttpRequest, pk) -> HttpResponse:
    """The file, once: it is deleted as it is handed out."""
    job = _job(request, pk)
    if job.shown_status() != PreparedStatus.READY:
        return redirect(job)
    client = job.client
    de_identified = getattr(jobs.options_from_json(job.options), "de_identified", False)
    pdf = jobs.take_download(job=job, user=request.user, request=request)
    if pdf is None:  # taken by another request in the meantime
        messages.error(request, "This summary has already been downloaded or deleted.")
        return redirect("case_summary", client_pk=client.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = summary_filename(client, timezone.localdate(), de_identified=de_identified)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def prepared_summary_discard(request: HttpRequest, pk) -> HttpResponse:
    job = _job(request, pk)
    jobs.discard(job=job, user=request.user, request=request)
    messages.success(request, "The prepared summary was deleted.")
    return redirect("case_summary", client_pk=job.client.pk)
