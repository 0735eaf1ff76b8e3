"""What apps above sessions add to the note form, without sessions importing them.

An app registers a provider when Django starts (its ``AppConfig.ready``), e.g. the writing
app's template picker and snippets. A provider is called with the request, the client and the
note's format, and answers a list of (template name, context) pairs: the form page includes
each template with its context as ``aid``. Without any provider the form has no aids.
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
