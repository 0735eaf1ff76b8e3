from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from .forms import SearchForm
from .index import IndexPreparing, SearchUnavailable
from .services import search

# Automatic tries of a search whose index is still being prepared (static/js/search_retry.js):
# after these, the page stops trying by itself and says so.
MAX_RETRIES = 10


UNAVAILABLE = (
    "Search could not prepare your notes just now (the error was logged for the "
    "administrator). Your notes are safe; please try again in a few minutes."
)


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

    While the therapist's index is being prepared (``IndexPreparing``, after a restart), the
    page is the same form, filled in as it was posted, with no results and a status saying so;
    a small script posts it again after ``retry_after`` seconds, at most ``MAX_RETRIES`` times.
    """
    if request.method == "GET":
        if request.META.get("QUERY_STRING"):
            return redirect("search")
        form = SearchForm(user=request.user)
    else:
        form = SearchForm(request.POST, user=request.user)
    outcome, problems, preparing = None, [], None
    if form.is_bound and form.is_valid():
        try:
            outcome = search(
                therapist=request.user,
                query=form.cleaned_data["q"],
                filters=form.filters(),
                page=request.POST.get("page", 1),
            )
        except IndexPreparing as waiting:
            preparing = _preparing(request, waiting.retry_after)
        except SearchUnavailable:
            problems = [UNAVAILABLE]
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
    # Codes and names, decrypted once per therapist and kept while their clients are unchanged.
    clients = form.choices.clients(wanted)
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
        "preparing": preparing,
    }
    return render(request, "search/search.html", context)


def _preparing(request: HttpRequest, retry_after: int) -> dict:
    """What the page says, and what the retry script needs, while the index is prepared.

    ``retry`` is the number of this automatic try (posted by the script; absent when the
    therapist pressed Search); ``page`` the page number that was asked for, posted again."""
    tried = _small_int(request.POST.get("retry"), 0, MAX_RETRIES)
    return {
        "retry_after": max(1, int(retry_after)),
        "next_try": tried + 1,
        "gave_up": tried >= MAX_RETRIES,
        "max_retries": MAX_RETRIES,
        "page": _small_int(request.POST.get("page"), 1, 10**6),
    }


def _small_int(value, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value)))
    except (TypeError, ValueError):
        return low
