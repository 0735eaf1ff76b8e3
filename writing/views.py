"""The writing aids page: a therapist's note templates and snippets, added, edited, deleted.
Every write goes through writing.services; each is audited (never its text)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import log_event

from . import services
from .forms import NoteTemplateForm, SnippetForm
from .models import NoteTemplate, Snippet


def _audit(request: HttpRequest, object_type: str, pk) -> None:
    """One entry per write: which aid (its opaque id), never its name or text."""
    log_event(
        action=Action.EDIT_WRITING_AID,
        request=request,
        object_type=object_type,
        object_id=str(pk),
    )


@require_http_methods(["GET"])
def writing_aids(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "writing/writing_aids.html",
        {
            "templates": list(NoteTemplate.objects.for_therapist(request.user)),
            "snippets": list(Snippet.objects.for_therapist(request.user)),
            "snippet_form": SnippetForm(),
        },
    )


# --- templates ------------------------------------------------------------------------------


def _template_page(request, form, template, status=200) -> HttpResponse:
    return render(
        request,
        "writing/note_template_form.html",
        {"form": form, "template": template},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def note_template_create(request: HttpRequest) -> HttpResponse:
    form = NoteTemplateForm(
        request.POST if request.method == "POST" else None, therapist=request.user
    )
    if request.method == "POST" and form.is_valid():
        template = services.create_template(therapist=request.user, **form.values())
        _audit(request, "note_template", template.pk)
        messages.success(request, "Template added.")
        return redirect("writing_aids")
    return _template_page(request, form, None)


@require_http_methods(["GET", "POST"])
def note_template_edit(request: HttpRequest, pk) -> HttpResponse:
    template = get_object_or_404(NoteTemplate.objects.for_therapist(request.user), pk=pk)
    form = NoteTemplateForm(
        request.POST if request.method == "POST" else None,
        therapist=request.user,
        template=template,
    )
    if request.method == "POST" and form.is_valid():
        services.update_template(template=template, **form.values())
        _audit(request, "note_template", template.pk)
        messages.success(request, "Template saved.")
        return redirect("writing_aids")
    return _template_page(request, form, template)


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete it",
        error_messages={"required": "Tick the box to confirm."},
    )


@require_http_methods(["GET", "POST"])
def note_template_delete(request: HttpRequest, pk) -> HttpResponse:
    template = get_object_or_404(NoteTemplate.objects.for_therapist(request.user), pk=pk)
    form = ConfirmDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        pk = template.pk
        services.delete_template(template=template)
        _audit(request, "note_template", pk)
        messages.success(request, "Template deleted.")
        return redirect("writing_aids")
    return render(
        request,
        "writing/confirm_delete.html",
        {"form": form, "kind": "template", "label": template.name, "back": "writing_aids"},
    )


# --- snippets -------------------------------------------------------------------------------


def _snippet_page(request, form, snippet) -> HttpResponse:
    return render(request, "writing/snippet_form.html", {"form": form, "snippet": snippet})


@require_http_methods(["GET", "POST"])
def snippet_create(request: HttpRequest) -> HttpResponse:
    form = SnippetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            snippet = services.create_snippet(therapist=request.user, **form.cleaned_data)
        except services.TriggerTaken as exc:
            form.add_error("trigger", str(exc))
        else:
            _audit(request, "snippet", snippet.pk)
            messages.success(request, "Snippet added.")
            return redirect("writing_aids")
    return _snippet_page(request, form, None)


@require_http_methods(["GET", "POST"])
def snippet_edit(request: HttpRequest, pk) -> HttpResponse:
    snippet = get_object_or_404(Snippet.objects.for_therapist(request.user), pk=pk)
    form = SnippetForm(request.POST if request.method == "POST" else None, snippet=snippet)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_snippet(snippet=snippet, **form.cleaned_data)
        except services.TriggerTaken as exc:
            form.add_error("trigger", str(exc))
        else:
            _audit(request, "snippet", snippet.pk)
            messages.success(request, "Snippet saved.")
            return redirect("writing_aids")
    return _snippet_page(request, form, snippet)


@require_http_methods(["GET", "POST"])
def snippet_delete(request: HttpRequest, pk) -> HttpResponse:
    snippet = get_object_or_404(Snippet.objects.for_therapist(request.user), pk=pk)
    form = ConfirmDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        pk = snippet.pk
        services.delete_snippet(snippet=snippet)
        _audit(request, "snippet", pk)
        messages.success(request, "Snippet deleted.")
        return redirect("writing_aids")
    return render(
        request,
        "writing/confirm_delete.html",
        {"form": form, "kind": "snippet", "label": snippet.trigger, "back": "writing_aids"},
    )
