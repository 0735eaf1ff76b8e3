"""Theme suggestions for the session form: computed on request, never stored or logged."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .models import Theme
from .suggest import RiskFlag, catalogue, suggest


def suggestions_for(text: str, user, *, exclude_ids=()) -> tuple[list[dict], list[RiskFlag]]:
    """Suggested themes (with their ids, for the form) and risk flags for a note's text."""
    offered = {
        theme.slug: theme
        for theme in Theme.objects.available_to(user).filter(active=True)
        if theme.pk not in exclude_ids
    }
    result = suggest(text, themes=catalogue(offered.values()))
    themes = [
        {
            "id": offered[item.slug].pk,
            "slug": item.slug,
            "name": item.name,
            "category": item.category,
            "score": item.score,
            "evidence": list(item.evidence),
        }
        for item in result.themes
        if item.slug in offered
    ]
    return themes, result.risk


@sensitive_post_parameters()
@require_http_methods(["POST"])
def theme_suggestions(request: HttpRequest) -> JsonResponse:
    # Twice the note limit covers every text field of the form together.
    text = request.POST.get("text", "")[: 2 * settings.NOTE_MAX_CHARS]
    themes, risk = suggestions_for(text, request.user)
    return JsonResponse(
        {
            "themes": themes,
            "risk": [
                {
                    "kind": flag.kind,
                    "label": flag.label,
                    "evidence": list(flag.evidence),
                    "negated": flag.negated,
                    "historical": flag.historical,
                }
                for flag in risk
            ],
        }
    )
