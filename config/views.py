from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.template import loader

# The error pages render without the request: no context processors, so nothing about the
# request or the user, and no CSRF token. Django's own handlers are wrapped in
# requires_csrf_token, which reads request.POST once more: for a body that could not be read the
# first time, the handler itself then fails, and the server answers with a bare error.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseBadRequest(loader.get_template("400.html").render())


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("500.html").render())
