"""A URLconf for the error-page tests: the real one plus a view that fails."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler500, urlpatterns

__all__ = ["handler400", "handler500", "urlpatterns"]


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure inside a view")


urlpatterns = [path("fail/", fail, name="fail"), *urlpatterns]
