import pytest

from search import index
from search.index import registry


@pytest.fixture(autouse=True)
def fresh_indexes():
    """Each test starts with no in-memory index, as after a restart."""
    registry.clear()
    index._preparing.clear()
    yield
    registry.clear()
    index._preparing.clear()
