"""A Django database alias for a database other than the app's own, for as long as needed.

The restore verifies a staged SQLite copy through the models before putting it in place, and the
tests read restored databases through the ORM. The connection is registered for the current
thread only and never added to settings.DATABASES (Django treats it as created dynamically).
"""

import copy
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.utils import load_backend


@contextmanager
def temporary_alias(alias: str, *, like: str = "default", **changes) -> Iterator[str]:
    """``alias``: a connection with ``like``'s settings and ``changes`` (e.g. NAME=...)."""
    settings_dict = copy.deepcopy(connections[like].settings_dict)
    settings_dict.update(changes)
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]
