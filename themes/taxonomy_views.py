"""A therapist's own themes: add, rename, archive, and delete while unused."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from sessions.models import TherapySession

from .forms import CustomThemeForm, DeleteThemeForm
from .models import Category, Theme


def sessions_using(theme: Theme, therapist) -> int:
    """How many of the therapist's sessions touch the theme (links are encrypted: decrypt)."""
    sessions = TherapySession.objects.for_therapist(therapist).only("id", "themes")
    return sum(1 for session in sessions if theme.pk in session.theme_intensities())


def _own_theme(request: HttpRequest, pk: int) -> Theme:
    return get_object_or_404(Theme.objects.custom_of(request.user), pk=pk)


@require_http_methods(["GET"])
def theme_list(request: HttpRequest) -> HttpResponse:
    built_in = Theme.objects.filter(owner__isnull=True)
    groups = [
        (label, [theme for theme in built_in if theme.category == value])
        for value, label in Category.choices
    ]
    return render(
        request,
        "themes/theme_list.html",
        {
            "groups": groups,
            "custom_themes": Theme.objects.custom_of(request.user).order_by("-active", "name"),
        },
    )


@require_http_methods(["GET", "POST"])
def theme_create(request: HttpRequest) -> HttpResponse:
    form = CustomThemeForm(request.POST if request.method == "POST" else None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        theme = form.save()
        messages.success(request, f"Theme “{theme.name}” added.")
        return redirect("theme_list")
    return render(request, "themes/theme_form.html", {"form": form, "theme": None})


@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    theme = _own_theme(request, pk)
    saved_name = theme.name
    form = CustomThemeForm(
        request.POST if request.method == "POST" else None, instance=theme, owner=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Theme “{theme.name}” saved.")
        return redirect("theme_list")
    return render(
        request, "themes/theme_form.html", {"form": form, "theme": theme, "saved_name": saved_name}
    )


@require_http_methods(["GET", "POST"])
def theme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    theme = _own_theme(request, pk)
    in_use = sessions_using(theme, request.user)
    form = DeleteThemeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and in_use:
        messages.error(
            request,
            f"“{theme.name}” is used in {in_use} session{'s' if in_use != 1 else ''} and cannot "
            "be deleted. Archive it instead: it stays on those sessions and leaves the form.",
        )
        return redirect("theme_edit", pk=theme.pk)
    if request.method == "POST" and form.is_valid():
        name = theme.name
        theme.delete()
        messages.success(request, f"Theme “{name}” deleted.")
        return redirect("theme_list")
    return render(
        request,
        "themes/theme_confirm_delete.html",
        {"form": form, "theme": theme, "in_use": in_use},
    )
