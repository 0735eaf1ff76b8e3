"""The calendar import pages: upload an .ics file, review what matched, import.

1. ``calendar_import`` (GET, POST): the upload form. The file is read in memory only (an upload
   handler that never writes a temporary file and stops past MAX_FILE_BYTES), parsed, matched
   to the therapist's clients and kept, sealed, in the session (appointments.ics_import).
   A file that cannot be read is one message on the form; nothing is stored.
2. ``calendar_import_review`` (GET, POST): the events matched, counted per client, and the
   unmatched ones grouped by summary, each group with a client to choose (or skip). Posting it
   imports: without JavaScript in one request; with it (static/js/calendar_import.js) in chunks
   of events (``offset``, ``limit``), answered in JSON, so that a progress bar can follow.
   Each request is one transaction through ``services.import_events`` (one audit entry);
   importing again after an interrupted run only adds what is missing (the import key).
"""

import io

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from clients.models import Client

from . import clock, ics_import, services
from .ics_import import MAX_FILE_BYTES, CalendarFileError
from .models import Appointment

SKIP = ""
MAX_CHUNK = 5_000
# Events per request when the page imports with a progress bar.
CHUNK = 500
# The largest groups of unmatched titles offered for a client (the rest are listed as a count
# and not imported): each group is one field of the review post, and the page repeats the
# client list in each.
REVIEW_GROUPS = 60


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory, never in a temporary file (a calendar names clients),
    and skips a file past ``limit`` bytes, noting that it did."""

    def __init__(self, request=None, limit: int = MAX_FILE_BYTES):
        super().__init__(request)
        self.limit = limit
        self.too_large = False
        # Counted over every file of the post: one request holds at most ``limit`` bytes of
        # files in memory, however many it sends. Only the "calendar" field is kept.
        self.total = 0

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if field_name != "calendar":
            raise SkipFile
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        self.total += len(raw_data)
        if self.total > self.limit:
            self.too_large = True
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


class CalendarUploadForm(forms.Form):
    calendar = forms.FileField(
        label="Calendar file (.ics)",
        help_text=(
            "Export your calendar as an iCalendar file (.ics), at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB. Events from a year ago to two years ahead "
            "are read; all-day events are left out."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.parsed = None

    def clean_calendar(self):
        upload = self.cleaned_data["calendar"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(ics_import._too_large_message())
        try:
            self.parsed = ics_import.parse(upload.read())
        except CalendarFileError as error:
            raise forms.ValidationError(str(error)) from None
        if not self.parsed.occurrences:
            raise forms.ValidationError(
                f"None of the calendar's events can be imported ({self.parsed.skipped} left "
                "out: all-day, longer than 10 hours, cancelled, or outside the year past and the "
                "two years ahead)."
            )
        return upload

    def clean(self):
        if self.too_large:
            self.errors.pop("calendar", None)
            self.add_error("calendar", ics_import._too_large_message())
        return super().clean()


@csrf_exempt  # the upload handlers are set before the CSRF check reads the post: see below
@require_http_methods(["GET", "POST"])
def calendar_import(request: HttpRequest) -> HttpResponse:
    handler = None
    if request.method == "POST":
        handler = MemoryOnlyUploadHandler(request)
        request.upload_handlers = [handler]
    return _calendar_import(request, handler)


@csrf_protect
def _calendar_import(request: HttpRequest, handler) -> HttpResponse:
    if request.method == "POST":
        data, files = request.POST, request.FILES  # read: the handler knows the size now
        form = CalendarUploadForm(data, files, too_large=handler.too_large)
        if form.is_valid():
            batch = ics_import.match_all(
                form.parsed, ics_import.Matcher.for_therapist(request.user)
            )
            ics_import.keep_batch(request.session, batch, request.user)
            return redirect("calendar_import_review")
    else:
        form = CalendarUploadForm()
    pending = ics_import.kept_batch(request.session, request.user) is not None
    return render(
        request,
        "appointments/import_upload.html",
        {"form": form, "pending": pending, "max_megabytes": MAX_FILE_BYTES // (1024 * 1024)},
    )


class ReviewForm(forms.Form):
    """A client (or skip) for each group of unmatched events; ``offset`` and ``limit`` import
    one chunk of the events (the progress bar's requests)."""

    offset = forms.IntegerField(required=False, min_value=0, max_value=10**7)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_CHUNK)

    def __init__(self, *args, groups, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = groups
        choices = [(SKIP, "Skip: do not import")] + [
            (str(client.pk), f"{client.code} · {client.display_name}") for client in clients
        ]
        for group in groups:
            self.fields[group.field_name] = forms.ChoiceField(
                label=group.summary or "(no title)", choices=choices, required=False
            )

    def assignments(self) -> dict[int, str]:
        """{group index: client pk} for the groups given a client."""
        return {
            group.index: self.cleaned_data[group.field_name]
            for group in self.groups
            if self.cleaned_data.get(group.field_name)
        }

    def group_rows(self):
        return [(group, self[group.field_name]) for group in self.groups]


def _clients(therapist) -> list[Client]:
    clients = list(Client.objects.for_therapist(therapist))
    clients.sort(key=Client.sort_key)
    return clients


@require_http_methods(["GET", "POST"])
def calendar_import_review(request: HttpRequest) -> HttpResponse:
    batch = ics_import.kept_batch(request.session, request.user)
    wants_json = "limit" in request.POST
    if batch is None:
        if wants_json:
            return JsonResponse(
                {"status": "gone", "message": "No calendar is waiting to be imported."},
                status=409,
            )
        messages.info(request, "No calendar is waiting to be imported: upload one first.")
        return redirect("calendar_import")
    if request.method == "POST" and request.POST.get("action") == "cancel":
        ics_import.forget_batch(request.session)
        messages.info(request, "The uploaded calendar was discarded; nothing was imported.")
        return redirect("calendar_import")
    clients = _clients(request.user)
    groups = batch.groups()
    form = ReviewForm(
        request.POST if request.method == "POST" else None,
        groups=groups[:REVIEW_GROUPS],
        clients=clients,
    )
    if request.method == "POST":
        if form.is_valid():
            return _import(request, batch, form, clients, wants_json=wants_json)
        if wants_json:
            return JsonResponse(
                {"status": "invalid", "message": "Check the clients chosen and try again."},
                status=400,
            )
    context = _review_context(request.user, batch, form, clients)
    hidden = groups[REVIEW_GROUPS:]
    context.update(
        hidden_titles=len(hidden),
        hidden_events=sum(group.count for group in hidden),
        unmatched_total=context["unmatched_total"] + sum(group.count for group in hidden),
    )
    return render(request, "appointments/import_review.html", context)


def _already_imported(therapist, batch) -> int:
    """How many of the matched events were imported before (they will not be added again)."""
    keys = sorted({ics_import.import_key(therapist, e.uid, e.recurrence) for e in batch.matched})
    found = 0
    for at in range(0, len(keys), 500):
        found += (
            Appointment.objects.for_therapist(therapist)
            .filter(import_key__in=keys[at : at + 500])
            .count()
        )
    return found


def _review_context(therapist, batch, form, clients) -> dict:
    by_pk = {str(client.pk): client for client in clients}
    counts = batch.matched_counts()
    matched = sorted(
        ((by_pk[pk], n) for pk, n in counts.items() if pk in by_pk),
        key=lambda row: row[0].sort_key(),
    )
    return {
        "batch": batch,
        "form": form,
        "matched": matched,
        "matched_total": sum(n for _client, n in matched),
        "unmatched_total": sum(group.count for group in form.groups),
        "total": len(batch.events),
        "skipped": batch.skipped,
        "already_imported": _already_imported(therapist, batch),
        "first": clock.local(batch.events[0].start) if batch.events else None,
        "last": clock.local(batch.events[-1].start) if batch.events else None,
        "chunk": CHUNK,
    }


def _import(request, batch, form, clients, *, wants_json: bool) -> HttpResponse:
    total = len(batch.events)
    offset = form.cleaned_data.get("offset") or 0
    limit = form.cleaned_data.get("limit") if wants_json else None
    end = total if limit is None else min(total, offset + limit)
    events, unmatched = ics_import.to_import(
        batch, request.user, chosen=form.assignments(), start=offset, stop=end, clients=clients
    )
    result = services.import_events(
        therapist=request.user, events=events, batch_id=batch.id, request=request
    )
    done = end >= total
    if done:
        ics_import.forget_batch(request.session)
    if wants_json:
        return JsonResponse(
            {
                "status": "imported",
                "done": done,
                "next": end,
                "total": total,
                "created": result.created,
                "duplicates": result.duplicates,
                "unmatched": unmatched,
                "skipped": batch.skipped,
                "redirect": reverse("appointment_week"),
            }
        )
    messages.success(
        request, summary_message(result.created, result.duplicates, unmatched, batch.skipped)
    )
    return redirect("appointment_week")


def summary_message(created: int, duplicates: int, unmatched: int, skipped: int) -> str:
    parts = [f"Calendar imported: {created:,} appointment{'s' if created != 1 else ''} added"]
    if duplicates:
        parts.append(f"{duplicates:,} already imported before (left as they were)")
    if unmatched:
        parts.append(f"{unmatched:,} not imported (no client chosen)")
    if skipped:
        parts.append(f"{skipped:,} skipped (all-day, too long, cancelled or out of range)")
    return ", ".join(parts) + "."
