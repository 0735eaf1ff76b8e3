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


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
UTF8_NAMES = frozenset({"utf-8", "utf8"})


class FormCharsetMiddleware:
    """A form body declared in any charset but UTF-8 gets the 400 page, before anything reads it.

    Django refuses an url-encoded body in another charset with BadRequest, raised afresh at
    every reading of request.POST: in the CSRF check, then in any error handler that checks
    CSRF again, so that any visitor could turn every POST route into a bare 500. An unknown
    charset ("charset=foo") is refused too: Django would ignore it and read the bytes as UTF-8,
    storing text other than what was sent; and a multipart body, which Django would decode in
    the charset named. "utf8", which Django refuses, is read as the UTF-8 it is. Browsers send
    forms without a charset; those pass untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset")
        if request.content_type in FORM_TYPES and charset is not None:
            if charset.strip().lower() not in UTF8_NAMES:
                return _not_utf8(request)
            request.encoding = "utf-8"
        return self.get_response(request)


def _not_utf8(request: HttpRequest) -> HttpResponse:
    from django.http import JsonResponse

    from .views import bad_request

    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        # The autosave script shows the message and keeps the text for its next try.
        message = "the form was sent in a character set other than UTF-8."
        return JsonResponse({"status": "invalid", "message": message}, status=400)
    return bad_request(request)


class TrustedProxyMiddleware:
    """Behind a reverse proxy, the peer (REMOTE_ADDR) is the proxy: take the client's address
    from X-Forwarded-For instead, but only when the peer is one of DJANGO_TRUSTED_PROXIES.

    The audit log and the sign-in lockout (username + address) both read REMOTE_ADDR, so this
    runs first. The header is read from the right: each trusted proxy appends the address it
    saw, and the first one that is not a trusted proxy is the client. Anything further left
    was written by the client itself and is ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        from django.conf import settings

        self.trusted = frozenset(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.trusted and request.META.get("REMOTE_ADDR") in self.trusted:
            forwarded = request.headers.get("x-forwarded-for", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            for hop in reversed(hops):
                if hop not in self.trusted:
                    if _is_ip(hop):
                        request.META["REMOTE_ADDR"] = hop
                    break
        return self.get_response(request)


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
