from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from clients.models import Client

from .forms import SearchForm
from .services import search


@sensitive_variables("query")
@require_http_methods(["GET"])
def search_notes(request: HttpRequest) -> HttpResponse:
    """The search page. The query is neither logged nor audited (docs/search.md)."""
    form = SearchForm(request.GET or None, user=request.user)
    outcome, problems = None, []
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        outcome = search(
            therapist=request.user,
            query=query,
            filters=form.filters(),
            page=request.GET.get("page", 1),
        )
    elif form.is_bound:
        problems = [
            f"{form.fields[name].label or name.replace('_', ' ').capitalize()}: {error}"
            if name != "__all__"
            else error
            for name, errors in form.errors.items()
            for error in errors
        ]
    scoped_id = getattr(form, "cleaned_data", {}).get("client")
    results = outcome.results if outcome else []
    wanted = {r.client_id for r in results} | ({scoped_id} if scoped_id else set())
    clients = {
        client.pk: client
        for client in Client.objects.for_therapist(request.user).filter(pk__in=wanted)
    }
    # The form already loaded the themes available to this therapist (one query, not two).
    theme_names = dict(form.theme_choices)
    rows = [
        {
            "result": result,
            "client": clients.get(result.client_id),
            "themes": [theme_names[t] for t in result.theme_ids if t in theme_names],
        }
        for result in results
    ]
    context = {
        "form": form,
        "inputs": form.inputs(),
        "outcome": outcome,
        "rows": rows,
        "problems": problems,
        "scoped_client": clients.get(scoped_id),
    }
    return render(request, "search/search.html", context)
