"""What apps above sessions add to the note form, without sessions importing them.

An app registers a provider when Django starts (its ``AppConfig.ready``), e.g. the writing
app's template picker and snippets. A provider is called with the request, the client and the
note's format, and answers a list of (template name, context) pairs: the form page includes
each template with its context as ``aid`` (the page's ``form`` is in the context too). Without
any provider the form has no aids.

An aid that records something with the note (the treatment plan's progress) also registers:

- ``register_fields(adder)``: ``adder(form)`` adds its fields to the session form when the form
  is built, so that they are validated with the note, shown again as typed when the form is
  refused, and kept by the autosave (which stores the form's fields) and restored from it;
- ``register_saver(saver)``: ``saver(request=, form=, session=)`` stores what those fields hold.
  The note views call ``save_aids`` right after the note is written through sessions.services,
  in the same transaction, and on *Save and sign* before the note is signed.
"""

from collections.abc import Callable

Aid = tuple[str, dict]
Provider = Callable[..., list[Aid]]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def form_aids(request, client, note_format: str) -> list[Aid]:
    """Every registered provider's aids for this form page, in the order they registered."""
    aids: list[Aid] = []
    for provider in _providers:
        aids += provider(request=request, client=client, note_format=note_format)
    return aids


FieldAdder = Callable[..., None]
Saver = Callable[..., None]

_field_adders: list[FieldAdder] = []
_savers: list[Saver] = []


def register_fields(adder: FieldAdder) -> None:
    if adder not in _field_adders:
        _field_adders.append(adder)


def add_fields(form) -> None:
    """Every registered aid's fields, added to the session form being built."""
    for adder in _field_adders:
        adder(form)


def register_saver(saver: Saver) -> None:
    if saver not in _savers:
        _savers.append(saver)


def save_aids(*, request, form, session) -> None:
    """Each aid stores what its fields of the valid ``form`` hold, for the note ``session``
    just written (inside the write's transaction)."""
    for saver in _savers:
        saver(request=request, form=form, session=session)
