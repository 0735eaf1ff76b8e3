from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    """Every page may carry client data (or a form that will): browsers and proxies keep none.

    Listed after WhiteNoise, which answers static files itself, so these keep their cache
    headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
