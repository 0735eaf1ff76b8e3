from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from clients.models import Client

from .forms import SearchForm
from .services import search


@sensitive_variables()
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def search_notes(request: HttpRequest) -> HttpResponse:
    """The search page (docs/search.md).

    GET shows the empty form; the search itself is a POST (CSRF-protected, read-only), so that
    no search term or filter travels in a URL: not in browser history, access logs or Referer.
    A GET with a query string (an old bookmark, a hand-typed ``?q=``) is sent to the bare page,
    and the query string is never read or echoed. The terms are neither logged nor audited, and
    error reports hide every posted value and every local variable of the search.
    """
    if request.method == "GET":
        if request.META.get("QUERY_STRING"):
            return redirect("search")
        form = SearchForm(user=request.user)
    else:
        form = SearchForm(request.POST, user=request.user)
    outcome, problems = None, []
    if form.is_bound and form.is_valid():
        outcome = search(
            therapist=request.user,
            query=form.cleaned_data["q"],
            filters=form.filters(),
            page=request.POST.get("page", 1),
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
        # Paging posts the search that was run again, with another page number.
        "resubmit": form.submitted() if outcome and outcome.page else [],
    }
    return render(request, "search/search.html", context)
