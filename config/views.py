from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.template import loader

from accounts.decorators import before_two_factor, practice_admin_allowed
from accounts.models import end_all_sessions

_logout = auth_views.LogoutView.as_view()


@before_two_factor
@practice_admin_allowed
def logout(request: HttpRequest) -> HttpResponse:
    """Sign out here and everywhere else, and have the browser drop its cache, cookies and
    storage for the site."""
    if request.method == "POST" and request.user.is_authenticated:
        end_all_sessions(request.user)
    response = _logout(request)
    # Only a real sign-out (a POST with a valid CSRF token): a cross-site GET, e.g. an image,
    # must not be able to wipe the site's data.
    if request.method == "POST" and response.status_code < 400:
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


# The error pages render without the request: no context processors, so nothing about the
# request or the user, and no CSRF token. Django's own handlers are wrapped in
# requires_csrf_token, which reads request.POST once more: for a body that could not be read the
# first time, the handler itself then fails, and the server answers with a bare error.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseBadRequest(loader.get_template("400.html").render())


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("500.html").render())
