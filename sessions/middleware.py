"""Keep the note being typed when its post has more fields than Django reads.

Django refuses a post with more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields before any view runs
(the CSRF check reads the post first), with a 400 page: the text typed into the session form
would be lost with it. The session form posts a field only for the themes given a value, so
its own pages stay far below the limit; an older page, a forged post or an extreme page can
still pass it. On the session form and its autosave, such a post is read again keeping only
the form's fixed fields (the note text, not the per-theme choices), and
``request.fields_dropped`` says how many fields arrived, so that the view keeps the text as a
draft and says that the theme choices were not kept.
"""

import email.policy
from email.parser import BytesParser
from urllib.parse import parse_qsl

from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.urls import Resolver404, resolve
from django.utils.datastructures import MultiValueDict

from .forms import fixed_field_names

KEPT_ROUTES = {"session_create", "session_edit", "draft_autosave"}
# Besides the form's own fields: the CSRF token, and what the autosave script adds.
KEPT_EXTRAS = {"csrfmiddlewaretoken", "client", "session", "seq", "base_version"}


class KeepNoteTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.user.is_authenticated and _kept_route(request):
            _read_post(request)
        return self.get_response(request)


def _kept_route(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).url_name in KEPT_ROUTES
    except Resolver404:
        return False


def _read_post(request: HttpRequest) -> None:
    """Read the post now, as the CSRF check would; past the field limit, read it again."""
    try:
        request.body  # noqa: B018 -- kept in memory, so that the post can be read a second time
    except UnreadablePostError:
        return  # the connection broke: the CSRF check answers it, as for any other post
    try:
        request.POST  # noqa: B018
    except TooManyFieldsSent:
        pairs = list(_fields(request))
        kept = fixed_field_names() | KEPT_EXTRAS
        post = QueryDict(mutable=True)
        for name, value in pairs:
            if name in kept:
                post.appendlist(name, value)
        post._mutable = False
        request._post, request._files = post, MultiValueDict()
        request.fields_dropped = len(pairs)


def _fields(request: HttpRequest):
    """(name, value) of every field of the post, without a limit on their number."""
    if request.content_type == "multipart/form-data":
        head = f"Content-Type: {request.META.get('CONTENT_TYPE', '')}\r\n\r\n"
        message = BytesParser(policy=email.policy.HTTP).parsebytes(
            head.encode("latin-1", "replace") + request.body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name is not None and part.get_filename() is None:
                payload = part.get_payload(decode=True) or b""
                yield name, payload.decode("utf-8", "replace")
    else:
        yield from parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
